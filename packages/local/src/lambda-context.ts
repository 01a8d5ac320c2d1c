import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** A Lambda context for an in-process invocation: a fresh request id and a real deadline. */
export function createLambdaContext(functionName: string, timeoutMs: number, region = "us-east-1"): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error("Callback-style completion is not supported; return a promise");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${functionName}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
