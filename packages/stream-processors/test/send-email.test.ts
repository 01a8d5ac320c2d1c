import type { AddressInfo } from "node:net";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { sesClientOptionsFromEnv, UnsubscribeTokens } from "@hearth/domain";
import { startStallProxy } from "@hearth/domain/testing";
import sesServer from "aws-ses-v2-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailSender, type EmailSenderDependencies } from "../src/notifications/send-email.js";

/**
 * The sender against the local stack's SES engine (aws-ses-v2-local, in this process): what it
 * stores is what SESv2 SendEmail carried, headers included.
 */
interface StoredEmail {
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  headers?: { name: string; value: string }[];
}

const SECRET = "a-cursor-secret-for-the-sender-test";
const API_URL = "https://api.hearth.example/test/";
const email = { subject: "New comment", text: "Plain text", html: "<p>HTML</p>" };

let endpoint: string;
let close: () => Promise<void>;
let ses: SESv2Client;

beforeAll(async () => {
  const server = await sesServer({ host: "127.0.0.1", port: 0 });
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
  ses = new SESv2Client({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  ses.destroy();
  await close();
});

async function sentTo(address: string): Promise<StoredEmail[]> {
  const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] };
  return store.emails.filter((stored) => stored.destination.to.includes(address));
}

function sender(overrides: Partial<EmailSenderDependencies> = {}) {
  let refreshes = 0;
  const unsubscribeTokens = new UnsubscribeTokens();
  const send = createEmailSender({
    ses,
    senderEmail: "Hearth <notifications@hearth.example>",
    apiUrl: API_URL,
    unsubscribeTokens,
    refreshUnsubscribeKeys: async () => {
      refreshes++;
      unsubscribeTokens.useKeys(SECRET);
    },
    clock: () => new Date(),
    logger: { warn: () => {} },
    ...overrides,
  });
  return { send, refreshes: () => refreshes };
}

const header = (stored: StoredEmail | undefined, name: string) =>
  stored?.headers?.find((candidate) => candidate.name === name)?.value;

describe("the email sender", () => {
  it("sends a notification with the RFC 8058 one-click headers and a link only its recipient's kind verifies", async () => {
    const { send, refreshes } = sender();
    await send("ann@family.example", email, { unsubscribe: { userId: "user-ann", kind: "comment" } });
    const [stored] = await sentTo("ann@family.example");
    expect(stored?.from).toBe("Hearth <notifications@hearth.example>");
    expect(stored?.subject).toBe("New comment");
    expect(stored?.body).toEqual({ text: "Plain text", html: "<p>HTML</p>" });
    expect(header(stored, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const link = /^<(https:\/\/api\.hearth\.example\/test\/unsubscribe\?token=[^>]+)>$/.exec(
      header(stored, "List-Unsubscribe") ?? "",
    )?.[1];
    expect(link).toBeDefined();
    const token = new URL(link as string).searchParams.get("token") as string;
    const claim = new UnsubscribeTokens(SECRET).verify(token, new Date());
    expect(claim).toMatchObject({ userId: "user-ann", kind: "comment" });
    expect(() => new UnsubscribeTokens("another-cursor-secret-entirely").verify(token, new Date())).toThrow();
    expect(refreshes()).toBe(1);
  });

  it("sends an email no one subscribed to (welcome, export) without unsubscribe headers", async () => {
    const { send, refreshes } = sender();
    await send("bea@family.example", email);
    const [stored] = await sentTo("bea@family.example");
    expect(stored?.subject).toBe("New comment");
    expect(header(stored, "List-Unsubscribe")).toBeUndefined();
    expect(header(stored, "List-Unsubscribe-Post")).toBeUndefined();
    expect(refreshes()).toBe(0);
  });

  it("sends through the configuration set when one is configured", async () => {
    const calls: unknown[] = [];
    const recording = new SESv2Client({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    recording.middlewareStack.add(
      (next) => async (args) => {
        calls.push(args.input);
        return next(args);
      },
      { step: "initialize" },
    );
    const { send } = sender({ ses: recording, sesConfigurationSet: "hearth-test-email" });
    await send("cy@family.example", email, { unsubscribe: { userId: "user-cy", kind: "message" } });
    recording.destroy();
    expect(calls).toEqual([expect.objectContaining({ ConfigurationSetName: "hearth-test-email" })]);
    expect(await sentTo("cy@family.example")).toHaveLength(1);
  });
});

/** The SES client a function with a `functionTimeoutSeconds` timeout builds, talking to SES through `endpoint`. */
function functionSesClient(sesEndpoint: string, functionTimeoutSeconds: number): SESv2Client {
  return new SESv2Client(
    sesClientOptionsFromEnv({
      STAGE: "test",
      AWS_REGION: "local",
      SES_ENDPOINT: sesEndpoint,
      FUNCTION_TIMEOUT_SECONDS: String(functionTimeoutSeconds),
    }),
  );
}

describe("sending while SES stalls", () => {
  it("sends each email once when SES takes 25 s to answer a processor", { timeout: 60_000 }, async () => {
    const proxy = await startStallProxy(endpoint);
    const client = functionSesClient(proxy.endpoint, 60);
    const { send } = sender({ ses: client });
    const recipients = ["stall-1@family.example", "stall-2@family.example", "stall-3@family.example"];
    const stall = proxy.stall(25_000, "slow");
    const outcomes = await Promise.all(
      recipients.map((to) => send(to, email, { unsubscribe: { userId: to, kind: "comment" } })),
    );
    await stall;
    client.destroy();
    await proxy.close();
    expect(outcomes).toEqual(["sent", "sent", "sent"]);
    for (const to of recipients) expect(await sentTo(to)).toHaveLength(1);
  });

  it("does not send again when SES answers too late: the send is uncertain, counted as sent", {
    timeout: 60_000,
  }, async () => {
    const proxy = await startStallProxy(endpoint);
    // A 10 s function waits about 5 s for SES; this stall outlasts that.
    const client = functionSesClient(proxy.endpoint, 10);
    const { send } = sender({ ses: client });
    const stall = proxy.stall(9_000, "slow");
    const outcome = await send("late@family.example", email);
    await stall;
    // SES got the request in the end (as a real one that was merely slow would have).
    await new Promise((resolve) => setTimeout(resolve, 500));
    client.destroy();
    await proxy.close();
    expect(outcome).toBe("uncertain");
    expect(await sentTo("late@family.example")).toHaveLength(1);
  });

  it("throws when SES certainly did not get the email, so a retry may send it", async () => {
    const proxy = await startStallProxy(endpoint);
    const port = new URL(proxy.endpoint).port;
    await proxy.close();
    // Nothing listens there any more: the connection is refused.
    const client = functionSesClient(`http://127.0.0.1:${port}`, 60);
    const { send } = sender({ ses: client });
    await expect(send("refused@family.example", email)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    client.destroy();
    expect(await sentTo("refused@family.example")).toHaveLength(0);
  });
});
