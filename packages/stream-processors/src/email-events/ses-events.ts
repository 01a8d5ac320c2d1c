import { normalizeEmailAddress, type SuppressionReason } from "@hearth/domain";
import * as z from "zod";

/**
 * SES bounce and complaint reports, as they arrive in an SNS message: the event publishing
 * format of a configuration set's event destination (`eventType`), and the older identity
 * notification format (`notificationType`) with the same `bounce` / `complaint` objects, so
 * the function also serves a topic wired up as an identity's feedback notification.
 */
const recipient = z.object({ emailAddress: z.string().min(1) }).loose();

const bounceSchema = z
  .object({
    // Permanent: the address does not exist or refuses us. Transient: a full mailbox, a
    // message too large, an auto-reply. Undetermined: SES could not tell.
    bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
    bounceSubType: z.string().optional(),
    bouncedRecipients: z.array(recipient).min(1),
    timestamp: z.string().min(1),
    feedbackId: z.string().optional(),
  })
  .loose();

const complaintSchema = z
  .object({
    complainedRecipients: z.array(recipient).min(1),
    timestamp: z.string().min(1),
    feedbackId: z.string().optional(),
    // abuse, fraud, virus, other… or "not-spam", which is the recipient taking a complaint back.
    complaintFeedbackType: z.string().optional(),
  })
  .loose();

const mailSchema = z.object({ messageId: z.string().optional() }).loose();

// `eventType` (event publishing) or `notificationType` (identity notifications) is read first.
const bounceMessageSchema = z.object({ bounce: bounceSchema, mail: mailSchema.optional() }).loose();
const complaintMessageSchema = z.object({ complaint: complaintSchema, mail: mailSchema.optional() }).loose();

/** What one SES report asks of us. */
export type SesReport =
  | {
      kind: "suppress";
      reason: SuppressionReason;
      addresses: string[];
      /** When SES saw the bounce or complaint (ISO 8601). */
      at: string;
      messageId?: string | undefined;
    }
  /** A report that suppresses nothing: a soft bounce, a withdrawn complaint, another event type. */
  | { kind: "ignored"; why: string; eventType: string; bounceType?: string };

/** A message that is not JSON, or a bounce or complaint not shaped like one. */
export class MalformedSesMessageError extends Error {
  override readonly name = "MalformedSesMessageError";
}

function addressesOf(recipients: ReadonlyArray<{ emailAddress: string }>): string[] {
  const addresses = recipients.map((r) => normalizeEmailAddress(r.emailAddress));
  if (addresses.some((address) => address === undefined)) {
    throw new MalformedSesMessageError("A reported recipient is not an email address");
  }
  return [...new Set(addresses as string[])];
}

function malformed(type: string, error: z.ZodError): MalformedSesMessageError {
  const where = error.issues[0]?.path.join(".") || "(message)";
  return new MalformedSesMessageError(`A ${type} report that does not parse (at ${where})`);
}

function isoOrNow(timestamp: string, now: Date): string {
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? now.toISOString() : new Date(time).toISOString();
}

/**
 * Reads one SNS message body. A permanent bounce and a complaint suppress their recipients;
 * a transient or undetermined bounce never does (SES has already retried a soft bounce for
 * hours before reporting it, its cause - a full mailbox, an auto-reply - passes, and SES's
 * reputation counts hard bounces only), nor a `not-spam` report or any other event type
 * (deliveries, opens, sends…) the configuration set might also publish.
 */
export function parseSesMessage(message: string, now: Date): SesReport {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new MalformedSesMessageError("The SNS message is not JSON");
  }
  const type =
    typeof json === "object" && json !== null
      ? ((json as Record<string, unknown>).eventType ?? (json as Record<string, unknown>).notificationType)
      : undefined;
  if (typeof type !== "string") throw new MalformedSesMessageError("Neither eventType nor notificationType");
  if (type !== "Bounce" && type !== "Complaint")
    return { kind: "ignored", why: "not a bounce or complaint", eventType: type };
  if (type === "Bounce") {
    const parsed = bounceMessageSchema.safeParse(json);
    if (!parsed.success) throw malformed(type, parsed.error);
    const { bounce, mail } = parsed.data;
    if (bounce.bounceType !== "Permanent") {
      return { kind: "ignored", why: "soft bounce", eventType: type, bounceType: bounce.bounceType };
    }
    return {
      kind: "suppress",
      reason: "bounce",
      addresses: addressesOf(bounce.bouncedRecipients),
      at: isoOrNow(bounce.timestamp, now),
      messageId: mail?.messageId,
    };
  }
  const parsed = complaintMessageSchema.safeParse(json);
  if (!parsed.success) throw malformed(type, parsed.error);
  const { complaint, mail } = parsed.data;
  const messageId = mail?.messageId;
  if (complaint.complaintFeedbackType?.toLowerCase() === "not-spam") {
    return { kind: "ignored", why: "not-spam feedback", eventType: type };
  }
  return {
    kind: "suppress",
    reason: "complaint",
    addresses: addressesOf(complaint.complainedRecipients),
    at: isoOrNow(complaint.timestamp, now),
    messageId,
  };
}
