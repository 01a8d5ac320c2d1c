import type { NotificationKind } from "@hearth/domain";

// Apart from the notifier, so the shared pipeline can count failed emails without importing SES.
export interface NotificationSummary {
  kind: NotificationKind | "welcome" | "export" | "none";
  sent: number;
  /** Held for their window's digest instead of emailed now. */
  held?: number;
  skipped: number;
  /** Recipients who are not members now: they got neither a feed entry nor an email. */
  notMember?: number;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Some recipients could not be emailed; their slots were released so the record's retry can send. */
export class NotificationDeliveryError extends AggregateError {
  override readonly name = "NotificationDeliveryError";
  constructor(
    readonly failedRecipientIds: readonly string[],
    errors: readonly unknown[],
  ) {
    const reasons = failedRecipientIds.map((id, index) => `${id} (${describeError(errors[index])})`);
    super(errors, `Could not email ${failedRecipientIds.length} recipient(s): ${reasons.join(", ")}`);
  }
}
