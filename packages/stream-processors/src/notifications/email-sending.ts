import { SESv2Client } from "@aws-sdk/client-sesv2";
import { ConfigurationError, sesClientOptionsFromEnv, UnsubscribeTokens } from "@hearth/domain";
import { cursorKeySourceFromEnv } from "@hearth/domain/cursor-keys";
import { createProcessorTracer, requiredSetting } from "../runtime.js";

export const DEFAULT_NOTIFICATION_WINDOW_MINUTES = 15;

/** The part of a function that sends email: the SES client, the sender, the unsubscribe links' base and keys. */
export interface EmailSending {
  ses: SESv2Client;
  /** The verified SES identity emails are sent from. */
  senderEmail: string;
  /** The SES configuration set emails go through (`SES_CONFIGURATION_SET`), when there is one. */
  sesConfigurationSet?: string | undefined;
  /** Base URL of the API, for the unsubscribe links in notification emails. */
  apiUrl: string;
  /** Signs unsubscribe links with a key derived from the cursor secret (the API verifies them). */
  unsubscribeTokens: UnsubscribeTokens;
  /** Loads the cursor secret's current values into `unsubscribeTokens` (cached; cheap when fresh). */
  refreshUnsubscribeKeys: () => Promise<void>;
}

/** The part of a function whose emails link to the website. */
export interface SiteLinks {
  /** Base URL of the website, for links in emails (no trailing slash needed). */
  siteUrl: string;
}

/** The part of the notifications processor that debounces: at most one email per recipient per kind per window. */
export interface NotificationWindow {
  notificationWindowSeconds: number;
}

function httpUrl(env: NodeJS.ProcessEnv, name: string): string {
  const value = requiredSetting(env, name);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${name} must be an absolute URL, not "${value}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`${name} must be an http(s) URL, not "${value}"`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * Email sending from the function environment: `SES_ENDPOINT` (local only), `SENDER_EMAIL`,
 * `SES_CONFIGURATION_SET` (optional), `SITE_URL`, `API_URL` and `CURSOR_SECRET_ARN` (or
 * `CURSOR_SECRET`; the unsubscribe links' key derives from it). A missing or unsafe setting
 * fails at startup with a message naming it.
 */
export function emailSendingFromEnv(env: NodeJS.ProcessEnv = process.env): EmailSending & SiteLinks {
  const tracer = createProcessorTracer();
  // Keys arrive with the first email's refresh (the secret is read at runtime, not at import).
  const unsubscribeTokens = new UnsubscribeTokens();
  const unsubscribeKeys = cursorKeySourceFromEnv(env, (client) => tracer.captureAWSv3Client(client));
  return {
    ses: tracer.captureAWSv3Client(new SESv2Client(sesClientOptionsFromEnv(env))),
    senderEmail: requiredSetting(env, "SENDER_EMAIL"),
    sesConfigurationSet: env.SES_CONFIGURATION_SET?.trim() || undefined,
    siteUrl: httpUrl(env, "SITE_URL"),
    apiUrl: httpUrl(env, "API_URL"),
    unsubscribeTokens,
    refreshUnsubscribeKeys: async () => unsubscribeTokens.useKeys(await unsubscribeKeys.load()),
  };
}

/**
 * The debounce window in seconds: `NOTIFICATION_WINDOW_SECONDS` when set (tests and the e2e
 * suite use a few seconds to see a digest arrive), else `NOTIFICATION_WINDOW_MINUTES`, else 15 minutes.
 */
export function notificationWindowFromEnv(env: NodeJS.ProcessEnv = process.env): NotificationWindow {
  const seconds = env.NOTIFICATION_WINDOW_SECONDS?.trim();
  if (seconds) {
    const value = Number(seconds);
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigurationError(
        `NOTIFICATION_WINDOW_SECONDS must be a number of seconds ≥ 0, not "${seconds}"`,
      );
    }
    return { notificationWindowSeconds: value };
  }
  const raw = env.NOTIFICATION_WINDOW_MINUTES?.trim();
  if (!raw) return { notificationWindowSeconds: DEFAULT_NOTIFICATION_WINDOW_MINUTES * 60 };
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new ConfigurationError(`NOTIFICATION_WINDOW_MINUTES must be a number of minutes ≥ 0, not "${raw}"`);
  }
  return { notificationWindowSeconds: minutes * 60 };
}
