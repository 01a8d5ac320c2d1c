import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import { type InvocationTracer, type ProfilesRepository, traceInvocation } from "@hearth/domain";
import type { SNSEvent, SNSEventRecord } from "aws-lambda";
import type { ProcessorMetrics } from "../runtime.js";
import { MalformedSesMessageError, parseSesMessage } from "./ses-events.js";

export interface EmailEventsDependencies {
  profiles: Pick<ProfilesRepository, "suppressEmail">;
  logger: Logger;
  metrics: ProcessorMetrics;
  tracer: InvocationTracer;
  clock: () => Date;
}

export type EmailEventsHandler = (event: SNSEvent) => Promise<EmailEventsSummary>;

export interface EmailEventsSummary {
  records: number;
  /** Bounce or complaint reports applied (an address already suppressed or since changed counts too). */
  applied: number;
  ignored: number;
  malformed: number;
}

/** Some records could not be applied (a DynamoDB fault): Lambda retries the invocation. */
export class EmailEventsFailedError extends Error {
  override readonly name = "EmailEventsFailedError";
  constructor(
    readonly failedMessageIds: string[],
    readonly causes: unknown[],
  ) {
    super(`${failedMessageIds.length} SES event message(s) could not be applied`);
  }
}

/**
 * The SES event handler: SNS delivers the configuration set's bounce and complaint events,
 * and each permanent bounce or complaint suppresses the reported addresses on their owners'
 * profiles. A malformed message is logged and skipped (retrying cannot fix it). A fault while
 * applying one fails the invocation after every record has been tried, so Lambda's retries of
 * the asynchronous invocation (then its failure destination) take it again: SNS invokes with
 * one record at a time and has no partial batch response, and applying a record twice changes
 * nothing more (the suppression is a conditional update), so retrying the whole event is safe.
 */
export function createEmailEventsHandler(deps: EmailEventsDependencies): EmailEventsHandler {
  const { logger, metrics } = deps;

  async function applyRecord(record: SNSEventRecord): Promise<"applied" | "ignored" | "malformed"> {
    const messageId = record.Sns?.MessageId;
    let report: ReturnType<typeof parseSesMessage>;
    try {
      report = parseSesMessage(record.Sns?.Message ?? "", deps.clock());
    } catch (error) {
      if (!(error instanceof MalformedSesMessageError)) throw error;
      logger.error("Skipping a malformed SES event message", {
        messageId,
        topicArn: record.Sns?.TopicArn,
        problem: error.message,
        // The start of the body is enough to recognize it; it holds no more than addresses.
        message: record.Sns?.Message?.slice(0, 500),
      });
      metrics.addMetric("SesEventsMalformed", "Count", 1);
      return "malformed";
    }
    if (report.kind === "ignored") {
      logger.info("SES event suppresses nothing", { messageId, ...report });
      if (report.bounceType) metrics.addMetric("EmailSoftBounces", "Count", 1);
      return "ignored";
    }
    metrics.addMetric(report.reason === "bounce" ? "EmailHardBounces" : "EmailComplaints", "Count", 1);
    const outcomes = await Promise.all(
      report.addresses.map((address) => deps.profiles.suppressEmail(address, report.reason, report.at)),
    );
    const marked = outcomes.filter((o) => o.outcome === "suppressed");
    if (marked.length) metrics.addMetric("EmailAddressesSuppressed", "Count", marked.length);
    logger.info("SES event applied", {
      messageId,
      sesMessageId: report.messageId,
      reason: report.reason,
      outcomes: outcomes.map((o) => ({ userId: o.userId ?? null, outcome: o.outcome })),
    });
    return "applied";
  }

  async function handle(event: SNSEvent): Promise<EmailEventsSummary> {
    const records = event.Records ?? [];
    const results = await Promise.allSettled(records.map(applyRecord));
    metrics.publishStoredMetrics();
    const failed = records.filter((_, index) => results[index]?.status === "rejected");
    const count = (value: string) =>
      results.filter((r) => r.status === "fulfilled" && r.value === value).length;
    const summary = {
      records: records.length,
      applied: count("applied"),
      ignored: count("ignored"),
      malformed: count("malformed"),
    };
    if (failed.length) {
      const causes = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
      logger.error("SES event messages failed; the invocation is retried", {
        ...summary,
        failed: failed.length,
        error: causes[0] as Error,
      });
      throw new EmailEventsFailedError(
        failed.map((r) => r.Sns?.MessageId ?? "unknown"),
        causes,
      );
    }
    logger.info("SES events processed", summary);
    return summary;
  }

  return (event) =>
    traceInvocation(deps.tracer, "email-events", { records: event.Records?.length ?? 0 }, () =>
      handle(event),
    );
}

/**
 * An SNS delivery of `messages` (SES event JSON) as Lambda receives it from a subscription:
 * how the local stack hands a simulated bounce to this handler, and what tests feed it.
 */
export function snsEventOf(messages: readonly unknown[], topicArn: string): SNSEvent {
  return {
    Records: messages.map((message) => {
      const messageId = randomUUID();
      return {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: "Notification",
          MessageId: messageId,
          TopicArn: topicArn,
          Subject: "",
          Message: typeof message === "string" ? message : JSON.stringify(message),
          Timestamp: new Date().toISOString(),
          SignatureVersion: "1",
          Signature: "",
          SigningCertUrl: "",
          UnsubscribeUrl: "",
          MessageAttributes: {},
        },
      };
    }),
  };
}
