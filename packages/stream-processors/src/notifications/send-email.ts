import type { Logger } from "@aws-lambda-powertools/logger";
import { SendEmailCommand } from "@aws-sdk/client-sesv2";
import { mayHaveReachedService, type NotificationKind } from "@hearth/domain";
import type { EmailSending } from "./email-sending.js";
import type { Email } from "./emails.js";

/** What sending takes: the email part of the function, and its clock (unsubscribe tokens expire). */
export type EmailSenderDependencies = EmailSending & {
  clock: () => Date;
  logger: Pick<Logger, "warn">;
};

export interface SendOptions {
  /** A notification email someone may opt out of: it carries the RFC 8058 one-click headers. */
  unsubscribe?: { userId: string; kind: NotificationKind };
}

/** `<apiUrl>/unsubscribe?token=…`, the one URL both the header and a mail client's POST use. */
function unsubscribeUrl(apiUrl: string, token: string): string {
  return `${apiUrl.replace(/\/+$/, "")}/unsubscribe?token=${encodeURIComponent(token)}`;
}

/**
 * What became of a send: `sent` (SES took it), or `uncertain` (the call failed in a way SES
 * may still have acted on: it timed out waiting for the answer, or the connection dropped).
 * An uncertain send counts as sent: at most once, never twice (see README, Emails).
 */
export type SendOutcome = "sent" | "uncertain";

/**
 * The one way emails leave Hearth: SESv2 SendEmail with simple content (subject, text and
 * HTML), through the configuration set when one is configured. A notification email gets
 * `List-Unsubscribe` (the signed link) and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
 * headers, so mail clients offer one-click unsubscribe (RFC 8058). It throws only when the
 * email certainly did not go (SES refused it, or could not be reached), so a retry may send it.
 */
export function createEmailSender(deps: EmailSenderDependencies) {
  return async function send(to: string, email: Email, options: SendOptions = {}): Promise<SendOutcome> {
    const headers: { Name: string; Value: string }[] = [];
    if (options.unsubscribe) {
      await deps.refreshUnsubscribeKeys();
      const { userId, kind } = options.unsubscribe;
      const token = deps.unsubscribeTokens.issue(userId, kind, deps.clock());
      headers.push(
        { Name: "List-Unsubscribe", Value: `<${unsubscribeUrl(deps.apiUrl, token)}>` },
        { Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" },
      );
    }
    const command = new SendEmailCommand({
      FromEmailAddress: deps.senderEmail,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: "UTF-8" },
          Body: {
            Text: { Data: email.text, Charset: "UTF-8" },
            Html: { Data: email.html, Charset: "UTF-8" },
          },
          ...(headers.length ? { Headers: headers } : {}),
        },
      },
      ...(deps.sesConfigurationSet ? { ConfigurationSetName: deps.sesConfigurationSet } : {}),
    });
    try {
      await deps.ses.send(command);
      return "sent";
    } catch (error) {
      if (!mayHaveReachedService(error)) throw error;
      deps.logger.warn(
        "An email may or may not have gone (SES did not answer in time); it is not sent again",
        {
          error: error as Error,
        },
      );
      return "uncertain";
    }
  };
}

export type EmailSender = ReturnType<typeof createEmailSender>;
