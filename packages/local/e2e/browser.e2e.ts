import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { ROUTES } from "@hearth/api-handlers";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import type { PageConfig } from "./browser/page.js";
import { bundlePageScript, CHROMIUM_ARGS, findChromium, freshProfileDir, PAGE_HTML } from "./browser.js";
import { Outside, type User } from "./client.js";

/**
 * A real browser on another origin: headless Chromium opens a page served here (not by the
 * API), which uses `@hearth/client` to sign in to Cognito, comment, like, upload to S3 through
 * a presigned URL and message. It proves CORS on the API and the bucket, the Authorization
 * header and presigned uploads work where they usually break. Fails (never skips) without a
 * browser.
 */
const outputs = readOutputs(inject("outputsFile"));
const pageOrigin = inject("browserPageOrigin");
const outside = new Outside(outputs);
const itemId = `/e2e/${outside.runId}/browser`;
let member: User;
let other: User;
let stranger: User;
let pageServer: Server;
let context: BrowserContext;
let profileDir: string;

interface Preflight {
  url: string;
  method: string;
  headers: string;
}
const preflights: Preflight[] = [];

beforeAll(async () => {
  const executablePath = findChromium();
  [member, other, stranger] = await Promise.all([
    outside.signUp("Browser", ["ApprovedUsers"]),
    outside.signUp("Other", ["ApprovedUsers"]),
    outside.signUp("Outsider", []),
  ]);
  // Messages go only to members with a profile.
  await outside.client(other).PUT("/profile", { body: { displayName: "Other E2E" } });
  const script = await bundlePageScript();
  const configFor = (user: User): PageConfig => ({
    apiUrl: outputs.ApiUrl,
    cognitoEndpoint: outputs.CognitoEndpoint!,
    userPoolClientId: outputs.UserPoolClientId,
    email: user.email,
    password: user.password,
    itemId,
    otherUserId: other.userId,
  });
  pageServer = createServer((request, response) => {
    const url = new URL(request.url ?? "/", pageOrigin);
    if (url.pathname === "/page.js") {
      response.writeHead(200, { "Content-Type": "text/javascript" }).end(script);
    } else if (url.pathname === "/config.json") {
      const user = url.searchParams.get("as") === "stranger" ? stranger : member;
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(configFor(user)));
    } else if (url.pathname === "/") {
      response.writeHead(200, { "Content-Type": "text/html" }).end(PAGE_HTML);
    } else {
      response.writeHead(404).end();
    }
  });
  const { hostname, port } = new URL(pageOrigin);
  await new Promise<void>((resolve, reject) => {
    pageServer.once("error", reject);
    pageServer.listen(Number(port), hostname, resolve);
  });
  profileDir = freshProfileDir();
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

/** Opens the page as `who`, recording the CORS preflights (from the DevTools protocol) and checking every API answer against the contract. */
async function openPage(
  who: "member" | "stranger",
): Promise<{ page: Page; steps: Record<string, { outcome: string; text: string }> }> {
  const page = await context.newPage();
  const devtools = await context.newCDPSession(page);
  await devtools.send("Network.enable");
  devtools.on("Network.requestWillBeSent", (event) => {
    if (event.request.method !== "OPTIONS") return;
    const headers = Object.fromEntries(
      Object.entries(event.request.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    preflights.push({
      url: event.request.url,
      method: headers["access-control-request-method"] ?? "",
      headers: headers["access-control-request-headers"] ?? "",
    });
  });
  const contractChecks: Promise<void>[] = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (!response.url().startsWith(outputs.ApiUrl) || response.request().method() === "OPTIONS") return;
    contractChecks.push(
      response.text().then((text) => {
        outside.contract.check(
          response.request().method(),
          url.pathname,
          response.status(),
          text ? JSON.parse(text) : undefined,
        );
      }),
    );
  });
  await page.goto(`${pageOrigin}/?as=${who}`);
  await page.locator("#status", { hasText: "done" }).waitFor({ timeout: 60_000 });
  await Promise.all(contractChecks);
  const steps: Record<string, { outcome: string; text: string }> = {};
  for (const item of await page.locator("#steps li").all()) {
    steps[(await item.getAttribute("data-step"))!] = {
      outcome: (await item.getAttribute("data-outcome"))!,
      text: (await item.textContent())!,
    };
  }
  return { page, steps };
}

describe("a browser on another origin", () => {
  it("is served from a different origin than the API", () => {
    expect(new URL(pageOrigin).origin).not.toBe(new URL(outputs.ApiUrl).origin);
  });

  it("signs in, comments, likes, uploads to S3 and sends the file in a message", async () => {
    const { page, steps } = await openPage("member");
    expect(steps).toMatchObject({
      "sign-in": { outcome: "ok", text: `Signed in as ${member.email}` },
      "list-comments": { outcome: "ok", text: "0 comments so far" },
      "post-comment": { outcome: "ok", text: "Posted: Posted from the browser" },
      like: { outcome: "ok", text: "Liked, 1 like(s)" },
      upload: { outcome: "ok", text: "Uploaded 12 bytes to S3" },
      "send-message": { outcome: "ok", text: "Sent with 1 attachment(s)" },
    });
    // The download step runs once the contract gives attachments a downloadUrl.
    const attachment = (outside.contract.schemaNamed("Attachment") as { properties: Record<string, unknown> })
      .properties;
    expect(steps.download).toEqual(
      "downloadUrl" in attachment
        ? { outcome: "ok", text: "Downloaded 12 bytes" }
        : { outcome: "ok", text: "Download not offered" },
    );
    await page.close();

    const api = new URL(outputs.ApiUrl).origin;
    const s3 = new URL(outputs.S3Endpoint!).origin;
    // The API's preflights ask for Authorization (every call) and Content-Type (JSON bodies).
    const apiPreflights = preflights.filter((p) => new URL(p.url).origin === api);
    expect(apiPreflights).toContainEqual(
      expect.objectContaining({ method: "GET", headers: expect.stringContaining("authorization") }),
    );
    expect(apiPreflights).toContainEqual(
      expect.objectContaining({
        method: "POST",
        headers: expect.stringMatching(/authorization.*content-type|content-type.*authorization/),
      }),
    );
    // The upload's preflight asks S3 for a PUT with the signed Content-Type and tagging header.
    expect(preflights.filter((p) => new URL(p.url).origin === s3)).toContainEqual(
      expect.objectContaining({ method: "PUT", headers: "content-type,x-amz-tagging" }),
    );
  });

  it("shows a non-member the API's 403 as a readable error, not a CORS failure", async () => {
    const { page, steps } = await openPage("stranger");
    expect(steps["sign-in"]).toMatchObject({ outcome: "ok" });
    expect(steps["list-comments"]).toEqual({
      outcome: "error",
      text: expect.stringMatching(/^403 MEMBERSHIP_PENDING: \S/),
    });
    expect(steps["post-comment"]).toEqual({ outcome: "not-run", text: "Not run" });
    await page.close();
  });

  it("renders the local API reference at /docs from the stack itself, every route listed", async () => {
    const page = await context.newPage();
    const elsewhere: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(outputs.ApiUrl)) elsewhere.push(request.url());
    });
    await page.goto(new URL("docs", outputs.ApiUrl).href);
    await page.locator(".opblock").first().waitFor({ timeout: 30_000 });
    expect(await page.locator(".opblock").count()).toBe(ROUTES.length);
    expect(await page.locator(".info .title").textContent()).toContain("Hearth API");
    // Swagger UI comes from the local stack, not from a CDN.
    expect(elsewhere).toEqual([]);
    await page.close();
  });
});
