import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * Bounce handling from outside: an address SES reports as permanently bouncing (or
 * complained about) is suppressed on its owner's profile, gets no more email, and its owner's
 * feed goes on. The local SES never bounces, so the test posts the SES event to the local
 * stack's simulation endpoint, which hands it to the SES event function in an SNS envelope.
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
let cy: User;
let dee: User;
let eve: User;

interface OwnProfile {
  email: string | null;
  emailStatus?: "active" | "suppressed";
}

/** What SES publishes for a configuration set's bounce (event publishing format). */
function permanentBounce(address: string) {
  return {
    eventType: "Bounce",
    bounce: {
      feedbackId: `0102018c-e2e-${Date.now()}-000000`,
      bounceType: "Permanent",
      bounceSubType: "General",
      bouncedRecipients: [
        {
          emailAddress: address,
          action: "failed",
          status: "5.1.1",
          diagnosticCode: "smtp; 550 5.1.1 user unknown",
        },
      ],
      timestamp: new Date().toISOString(),
      reportingMTA: "dsn; a27-30.smtp-out.eu-west-1.amazonses.com",
    },
    mail: {
      timestamp: new Date().toISOString(),
      source: "notifications@hearth.local",
      messageId: `0102018c-e2e-${Date.now()}-mail`,
      destination: [address],
      tags: { "ses:configuration-set": ["hearth-local"] },
    },
  };
}

function complaint(address: string) {
  return {
    eventType: "Complaint",
    complaint: {
      feedbackId: `0102018c-e2e-${Date.now()}-complaint`,
      complainedRecipients: [{ emailAddress: address }],
      timestamp: new Date().toISOString(),
      userAgent: "Mail-Feedback/2.0",
      complaintFeedbackType: "abuse",
    },
    mail: {
      timestamp: new Date().toISOString(),
      source: "notifications@hearth.local",
      destination: [address],
    },
  };
}

async function simulate(event: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  if (!outputs.SesEventsEndpoint)
    throw new Error("The outputs have no SesEventsEndpoint: bounces are simulated locally only");
  const response = await fetch(outputs.SesEventsEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(event),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const ownProfile = async (user: User) =>
  (await outside.call<OwnProfile>("GET", `/profile/${user.userId}`, { as: user })).body;

beforeAll(async () => {
  [cy, dee, eve] = await Promise.all([
    outside.signUp("Cy", ["ApprovedUsers"]),
    outside.signUp("Dee", ["ApprovedUsers"]),
    outside.signUp("Eve", ["ApprovedUsers"]),
  ]);
  for (const user of [cy, dee, eve]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

describe("a bounced address", () => {
  it("is suppressed on its owner's profile and gets no email, while the feed goes on", async () => {
    expect((await ownProfile(cy)).emailStatus).toBe("active");
    const before = (await outside.inbox(cy.email)).length;
    const bounced = await simulate(permanentBounce(cy.email));
    expect(bounced).toEqual({ status: 200, body: { records: 1, applied: 1, ignored: 0, malformed: 0 } });
    expect(await ownProfile(cy)).toMatchObject({ email: cy.email, emailStatus: "suppressed" });
    // Nobody else learns about it.
    const asOther = await outside.call<OwnProfile>("GET", `/profile/${cy.userId}`, { as: dee });
    expect(asOther.body).not.toHaveProperty("emailStatus");

    const itemId = `/1944/telegram-${Date.now()}`;
    const itemPath = encodeURIComponent(itemId);
    for (const [as, commentText] of [
      [cy, "Who sent this?"],
      [eve, "Great-uncle Tom, I think"],
    ] as const) {
      const posted = await outside.call("POST", `/comments/${itemPath}`, {
        as,
        body: { commentText, itemTitle: "Telegram, 1944" },
      });
      expect(posted.status).toBe(201);
    }
    // Dee's comment notifies Cy and Eve: Eve by email, Cy in the feed only.
    const posted = await outside.call("POST", `/comments/${itemPath}`, {
      as: dee,
      body: { commentText: "It came from Cairo", itemTitle: "Telegram, 1944" },
    });
    expect(posted.status).toBe(201);
    await outside.eventually("Eve's email about Dee's comment", async () =>
      (await outside.inbox(eve.email)).some((mail) => mail.body.text?.includes("It came from Cairo")),
    );
    await outside.eventually("Cy's feed entry for Dee's comment", async () => {
      const feed = await outside.call<{ notifications: { itemId: string | null; preview: string }[] }>(
        "GET",
        "/notifications?limit=50",
        { as: cy },
      );
      return feed.body.notifications.some((n) => n.itemId === itemId && n.preview === "It came from Cairo");
    });
    // The same record emailed Eve and wrote Cy's feed: nothing went, nor will go, to Cy's address.
    expect((await outside.inbox(cy.email)).length).toBe(before);
    expect(
      (await outside.inbox(cy.email)).some((mail) => mail.body.text?.includes("It came from Cairo")),
    ).toBe(false);
  });

  it("takes a complaint the same way, and answers 400 for a body that is not JSON", async () => {
    expect((await simulate(complaint(eve.email))).body).toMatchObject({ applied: 1 });
    expect((await ownProfile(eve)).emailStatus).toBe("suppressed");
    const response = await fetch(outputs.SesEventsEndpoint!, { method: "POST", body: "not json" });
    expect(response.status).toBe(400);
  });
});
