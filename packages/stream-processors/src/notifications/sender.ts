import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import type { Email } from "./emails.js";

/** Sends one rendered email to one address: every notification, welcome and digest goes through this. */
export type SendEmail = (to: string, email: Email) => Promise<void>;

export function sesEmailSender(deps: { ses: SESClient; senderEmail: string }): SendEmail {
  return async (to, email) => {
    await deps.ses.send(
      new SendEmailCommand({
        Source: deps.senderEmail,
        Destination: { ToAddresses: [to] },
        Message: {
          Subject: { Data: email.subject, Charset: "UTF-8" },
          Body: {
            Text: { Data: email.text, Charset: "UTF-8" },
            Html: { Data: email.html, Charset: "UTF-8" },
          },
        },
      }),
    );
  };
}
