import type { FunctionManifest } from "@hearth/domain";
import { handlerEntry } from "../processor-manifest.js";

/**
 * The SES event handler (an SNS subscriber): marks bounced and complained addresses
 * suppressed, with one conditional UpdateItem per address after a Query on the email index.
 */
export const emailEventsManifest = {
  name: "ses-email-events",
  kind: "notification",
  entry: handlerEntry(import.meta.url),
  description: "SES events: suppress bounced and complained addresses",
  // A few addresses per message.
  timeoutSeconds: 30,
  memoryMb: 256,
  tables: { UserProfiles: "readUpdate" },
  settings: [],
} as const satisfies FunctionManifest<"ses-email-events">;
