import { spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { API_MANIFESTS } from "@hearth/api-handlers";
import { deleteTables, tableEnvironment } from "@hearth/domain";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bundleFunction } from "../src/bundle.js";
import { BUNDLE_FILE } from "../src/bundling.js";

/** An X-Ray segment document as the SDK sends it to the daemon (the fields checked here). */
interface SegmentDocument {
  name: string;
  trace_id: string;
  parent_id?: string;
  id: string;
  annotations?: Record<string, unknown>;
  aws?: { operation?: string };
}

const TRACE_ROOT = "1-67891233-abcdef012345678912345678";
const LAMBDA_PARENT = "53995c3f42cd8ad8";

/**
 * Runs the deployed bundle of the reactions API in a fresh `node` the way Lambda does with
 * active tracing (execution environment, trace header, daemon address and role credentials in
 * the environment), against DynamoDB Local, and collects what reaches the X-Ray daemon.
 */
describe("a bundled function runs traced (Powertools Tracer, X-Ray SDK)", () => {
  const distDir = mkdtempSync(join(tmpdir(), "hearth-traced-"));
  const documents: SegmentDocument[] = [];
  let daemon: Socket;
  let db: TestDatabase;
  let response: { statusCode: number; body: string };

  beforeAll(async () => {
    db = await createTestDatabase(inject("dynamoEndpoint"), "traced");
    const comment = await db.repositories.comments.create({
      itemId: "/2015/christmas",
      userId: "user-traced",
      userName: "Traced",
      userPhotoUrl: null,
      commentText: "Traced all the way",
      itemTitle: "Christmas 2015",
    });
    daemon = createSocket("udp4");
    daemon.on("message", (message) => {
      // `{"format":"json","version":1}\n{…segment…}`
      const [, body] = message.toString("utf8").split("\n");
      if (body) documents.push(JSON.parse(body) as SegmentDocument);
    });
    await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
    const definition = API_MANIFESTS.reactions;
    const { outdir } = await bundleFunction(definition, distDir);
    const output = await runInvocation(pathToFileURL(join(outdir, BUNDLE_FILE)).href, comment.commentId, {
      ...tableEnvironment(db.tables),
      PATH: process.env.PATH ?? "",
      STAGE: "test",
      DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
      CURSOR_SECRET: "traced-test-cursor-secret-0123456789",
      ALLOWED_ORIGINS: "https://family.example.net",
      ATTACHMENTS_BUCKET: "hearth-traced-attachments",
      LOG_LEVEL: "SILENT",
      POWERTOOLS_SERVICE_NAME: `hearth-${definition.name}`,
      // What Lambda sets for a function with active tracing.
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      LAMBDA_TASK_ROOT: outdir,
      AWS_LAMBDA_FUNCTION_NAME: definition.name,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "traced-access-key",
      AWS_SECRET_ACCESS_KEY: "traced-secret-key",
      AWS_SESSION_TOKEN: "traced-session-token",
      _X_AMZN_TRACE_ID: `Root=${TRACE_ROOT};Parent=${LAMBDA_PARENT};Sampled=1`,
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
      AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
    });
    response = JSON.parse(output) as typeof response;
  }, 120_000);

  afterAll(async () => {
    daemon?.close();
    rmSync(distDir, { recursive: true, force: true });
    if (db) await deleteTables(db.client, db.prefix);
  });

  it("answers the request", () => {
    expect(response.statusCode).toBe(200);
  });

  it("sends the request's subsegment, annotated with the route and status, under Lambda's segment", () => {
    const request = documents.find((d) => d.name === "## GET /reactions/{commentId}");
    expect(request).toMatchObject({
      trace_id: TRACE_ROOT,
      parent_id: LAMBDA_PARENT,
      annotations: expect.objectContaining({
        route: "GET /reactions/{commentId}",
        statusCode: 200,
        Service: "hearth-api-reactions",
      }),
    });
  });

  it("captures the DynamoDB calls as subsegments of the request's", () => {
    const request = documents.find((d) => d.name === "## GET /reactions/{commentId}")!;
    const calls = documents.filter((d) => d.name === "DynamoDB");
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.trace_id).toBe(TRACE_ROOT);
      expect(call.parent_id).toBe(request.id);
    }
    expect(calls.map((call) => call.aws?.operation)).toContain("Query");
  });
});

/** Imports the bundle, invokes its handler once with a member's GET of the comment's reactions, prints the response. */
function runInvocation(bundleUrl: string, commentId: string, env: Record<string, string>): Promise<string> {
  const script = `
    const { handler } = await import(process.env.TRACED_BUNDLE_URL);
    const claims = { sub: "user-traced", email: "traced@example.org", "cognito:groups": "ApprovedUsers",
      token_use: "id", exp: new Date(Date.now() + 3600000).toUTCString() };
    const event = {
      resource: "/reactions/{commentId}", path: "/reactions/" + process.env.TRACED_COMMENT_ID, httpMethod: "GET",
      headers: {}, multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null,
      pathParameters: { commentId: process.env.TRACED_COMMENT_ID }, stageVariables: null, body: null, isBase64Encoded: false,
      requestContext: { requestId: "traced-request", authorizer: { claims } },
    };
    const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:traced", memoryLimitInMB: "256",
      awsRequestId: "traced-request", logGroupName: "traced", logStreamName: "traced",
      getRemainingTimeInMillis: () => 10000 };
    const response = await handler(event, context);
    // The SDK sends each closed subsegment over UDP at once; let the datagrams leave.
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.stdout.write(JSON.stringify(response));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...env, TRACED_BUNDLE_URL: bundleUrl, TRACED_COMMENT_ID: commentId },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`The bundle failed (exit ${code}): ${stderr}`)),
    );
  });
}
