import { ConflictException, CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { ConfigurationError, schedulerClientOptionsFromEnv } from "@hearth/domain";
import { createProcessorTracer } from "../runtime.js";
import {
  atExpression,
  DIGEST_SCHEDULE_ENV,
  type DigestScheduler,
  type DigestWindow,
  digestScheduleName,
} from "./digest-window.js";

export interface DigestScheduleTarget {
  /** The schedule group the processor may create schedules in. */
  group: string;
  /** The role Scheduler assumes to invoke the digest function (lambda:InvokeFunction on it only). */
  roleArn: string;
  functionArn: string;
  /** Where Scheduler puts an invocation it could not deliver after its retries. */
  deadLetterArn?: string | undefined;
}

/**
 * One-time EventBridge Scheduler schedules: `at(windowEnd)`, no flexible window, deleted once
 * they ran, retried by Scheduler and dead-lettered when the digest function can't be reached.
 */
export function createEventBridgeDigestScheduler(
  client: SchedulerClient,
  target: DigestScheduleTarget,
): DigestScheduler {
  return {
    async schedule(window: DigestWindow, at: Date) {
      try {
        await client.send(
          new CreateScheduleCommand({
            Name: digestScheduleName(window),
            GroupName: target.group,
            ScheduleExpression: atExpression(at),
            ScheduleExpressionTimezone: "UTC",
            FlexibleTimeWindow: { Mode: "OFF" },
            ActionAfterCompletion: "DELETE",
            Description: `Hearth ${window.kind} digest`,
            Target: {
              Arn: target.functionArn,
              RoleArn: target.roleArn,
              Input: JSON.stringify({
                userId: window.userId,
                kind: window.kind,
                windowStart: window.windowStart,
              }),
              RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 24 * 60 * 60 },
              ...(target.deadLetterArn ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}),
            },
          }),
        );
        return "scheduled";
      } catch (error) {
        // The name is the window's: a conflict means this window's digest is already scheduled.
        if (error instanceof ConflictException) return "already-scheduled";
        throw error;
      }
    },
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`Missing environment variable ${name}`);
  return value;
}

/** The notifications processor's digest scheduler from its environment (see DIGEST_SCHEDULE_ENV). */
export function digestSchedulerFromEnv(env: NodeJS.ProcessEnv = process.env): DigestScheduler {
  const client = createProcessorTracer().captureAWSv3Client(
    new SchedulerClient(schedulerClientOptionsFromEnv(env)),
  );
  return createEventBridgeDigestScheduler(client, {
    group: required(env, DIGEST_SCHEDULE_ENV.group),
    roleArn: required(env, DIGEST_SCHEDULE_ENV.roleArn),
    functionArn: required(env, DIGEST_SCHEDULE_ENV.functionArn),
    deadLetterArn: env[DIGEST_SCHEDULE_ENV.deadLetterArn]?.trim() || undefined,
  });
}
