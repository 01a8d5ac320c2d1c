import type { IncomingMessage } from "node:http";
import { type EmailEventsHandler, snsEventOf } from "@hearth/stream-processors";

/**
 * Bounces and complaints, locally. Deployed, SES publishes them from the configuration set to
 * an SNS topic the SES event function subscribes to; the local SES (aws-ses-v2-local) never
 * bounces, so `POST /__local/ses-events` takes an SES event (the JSON SES publishes, or an
 * array of them), wraps it in an SNS delivery as Lambda would receive it, and runs the same
 * function. It answers with the function's summary, 400 for a body that is not JSON, and 500
 * when the function failed (deployed, Lambda would retry it).
 */
export const SES_EVENTS_PATH = "/__local/ses-events";
const LOCAL_SES_EVENTS_TOPIC = "arn:aws:sns:local:000000000000:hearth-local-ses-events";

export async function simulateSesEvents(
  request: IncomingMessage,
  readBody: (request: IncomingMessage) => Promise<string>,
  handler: () => EmailEventsHandler,
  log: (line: string) => void = () => {},
): Promise<{ status: number; body: unknown }> {
  if (request.method !== "POST") {
    return {
      status: 405,
      body: { error: { code: "METHOD_NOT_ALLOWED", message: `POST an SES event to ${SES_EVENTS_PATH}` } },
    };
  }
  let events: unknown;
  try {
    events = JSON.parse(await readBody(request));
  } catch {
    return {
      status: 400,
      body: { error: { code: "INVALID_INPUT", message: "The body must be an SES event as JSON" } },
    };
  }
  try {
    const summary = await handler()(
      snsEventOf(Array.isArray(events) ? events : [events], LOCAL_SES_EVENTS_TOPIC),
    );
    return { status: 200, body: summary };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`SES event function failed: ${message}`);
    return { status: 500, body: { error: { code: "INTERNAL", message } } };
  }
}
