import { Logger } from "@aws-lambda-powertools/logger";
import { ThrottledError } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import { buildEmailEventsHandler, emailEventsDependencies } from "../src/email-events/build.js";
import {
  type EmailEventsDependencies,
  EmailEventsFailedError,
  snsEventOf,
} from "../src/email-events/processor.js";
import {
  commentBy,
  functionEnvironment,
  type Harness,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";

const harness = useHarness("email-events", { SES_CONFIGURATION_SET: "hearth-test" });
const TOPIC = "arn:aws:sns:eu-west-1:470221836519:hearth-test-ses-events";

/** The `mail` object SES puts in every event (abridged the way SES truncates nothing we read). */
function mailTo(address: string) {
  return {
    timestamp: "2026-12-01T10:00:00.000Z",
    source: "Hearth <notifications@archive.hollisfamily.net>",
    sourceArn: "arn:aws:ses:eu-west-1:470221836519:identity/archive.hollisfamily.net",
    sendingAccountId: "470221836519",
    messageId: "0102018c2f1b7b6e-4b1f2f3a-8c1d-4e7a-9d3e-5a6b7c8d9e0f-000000",
    destination: [address],
    headersTruncated: false,
    headers: [
      { name: "From", value: "Hearth <notifications@archive.hollisfamily.net>" },
      { name: "To", value: address },
      { name: "Subject", value: 'New comment on "Christmas 2015"' },
    ],
    commonHeaders: {
      from: ["Hearth <notifications@archive.hollisfamily.net>"],
      to: [address],
      messageId: "0102018c2f1b7b6e-4b1f2f3a-8c1d-4e7a-9d3e-5a6b7c8d9e0f-000000",
      subject: 'New comment on "Christmas 2015"',
    },
    tags: {
      "ses:configuration-set": ["hearth-test"],
      "ses:source-ip": ["192.0.2.0"],
      "ses:from-domain": ["archive.hollisfamily.net"],
      "ses:caller-identity": ["hearth-test-stream-notifications"],
    },
  };
}

/** A configuration set's event publishing record of a bounce (the shape in the SES developer guide). */
function bounceEvent(address: string, bounceType = "Permanent", bounceSubType = "General") {
  return {
    eventType: "Bounce",
    bounce: {
      feedbackId: "0102018c2f1b7c00-a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d-000000",
      bounceType,
      bounceSubType,
      bouncedRecipients: [
        {
          emailAddress: address,
          action: "failed",
          status: "5.1.1",
          diagnosticCode: "smtp; 550 5.1.1 user unknown",
        },
      ],
      timestamp: "2026-12-01T10:00:01.000Z",
      reportingMTA: "dsn; a27-30.smtp-out.eu-west-1.amazonses.com",
    },
    mail: mailTo(address),
  };
}

function complaintEvent(address: string, complaintFeedbackType = "abuse") {
  return {
    eventType: "Complaint",
    complaint: {
      feedbackId: "0102018c2f1b7d11-b2c3d4e5-f6a7-4b5c-9d0e-1f2a3b4c5d6e-000000",
      complaintSubType: null,
      complainedRecipients: [{ emailAddress: address }],
      timestamp: "2026-12-01T11:00:00.000Z",
      userAgent: "Yahoo!-Mail-Feedback/2.0",
      complaintFeedbackType,
      arrivalDate: "2026-12-01T10:59:58.000Z",
    },
    mail: mailTo(address),
  };
}

/** The older identity notification format (`notificationType`), as an identity's feedback topic sends it. */
function bounceNotification(address: string) {
  const { eventType: _, ...event } = bounceEvent(address);
  return { notificationType: "Bounce", ...event };
}

function handlerFor(h: Harness, overrides: Partial<EmailEventsDependencies> = {}) {
  return buildEmailEventsHandler(functionEnvironment(h.db, h.endpoint), overrides);
}

async function memberAt(h: Harness, name: string) {
  const userId = uniqueId(name);
  const email = `${userId}@family.example`;
  await saveProfile(h, userId, { email });
  return { userId, email };
}

const statusOf = async (h: Harness, userId: string) => {
  const profile = await h.db.repositories.profiles.get(userId);
  return {
    suppressedEmail: profile?.suppressedEmail,
    suppressionReason: profile?.suppressionReason,
    suppressedAt: profile?.suppressedAt,
  };
};

describe("the SES event handler", () => {
  it("suppresses an address at its first permanent bounce, in either SES format, and once only", async () => {
    const h = harness();
    const ann = await memberAt(h, "ann");
    const bob = await memberAt(h, "bob");
    const handle = handlerFor(h);

    const first = await handle(
      snsEventOf([bounceEvent(ann.email.toUpperCase()), bounceNotification(bob.email)], TOPIC),
    );
    expect(first).toEqual({ records: 2, applied: 2, ignored: 0, malformed: 0 });
    expect(await statusOf(h, ann.userId)).toEqual({
      suppressedEmail: ann.email,
      suppressionReason: "bounce",
      suppressedAt: "2026-12-01T10:00:01.000Z",
    });
    expect((await statusOf(h, bob.userId)).suppressedEmail).toBe(bob.email);

    // SNS delivers at least once: the same event again, or a later complaint, changes nothing.
    const before = await h.db.repositories.profiles.get(ann.userId);
    await handle(snsEventOf([bounceEvent(ann.email), complaintEvent(ann.email)], TOPIC));
    expect(await h.db.repositories.profiles.get(ann.userId)).toEqual(before);
  });

  it("suppresses at a complaint, but not at a not-spam report", async () => {
    const h = harness();
    const cat = await memberAt(h, "cat");
    const dan = await memberAt(h, "dan");
    const summary = await handlerFor(h)(
      snsEventOf([complaintEvent(cat.email), complaintEvent(dan.email, "not-spam")], TOPIC),
    );
    expect(summary).toMatchObject({ applied: 1, ignored: 1 });
    expect((await statusOf(h, cat.userId)).suppressionReason).toBe("complaint");
    expect((await statusOf(h, dan.userId)).suppressedEmail).toBeUndefined();
  });

  it("never suppresses at a transient or undetermined bounce, nor at other event types", async () => {
    const h = harness();
    const eve = await memberAt(h, "eve");
    const delivery = {
      eventType: "Delivery",
      mail: mailTo(eve.email),
      delivery: { recipients: [eve.email] },
    };
    const summary = await handlerFor(h)(
      snsEventOf(
        [
          bounceEvent(eve.email, "Transient", "MailboxFull"),
          bounceEvent(eve.email, "Undetermined", "Undetermined"),
          delivery,
        ],
        TOPIC,
      ),
    );
    expect(summary).toEqual({ records: 3, applied: 0, ignored: 3, malformed: 0 });
    expect((await statusOf(h, eve.userId)).suppressedEmail).toBeUndefined();
  });

  it("logs and skips malformed messages (they would never parse on a retry) and applies the rest", async () => {
    const h = harness();
    const fay = await memberAt(h, "fay");
    const { mail: _, ...withoutMail } = bounceEvent(fay.email);
    const summary = await handlerFor(h)(
      snsEventOf(
        [
          "not json {",
          { hello: "world" },
          { eventType: "Bounce", bounce: { bounceType: "Permanent", bouncedRecipients: [] } },
          bounceEvent("not an address"),
          withoutMail,
        ],
        TOPIC,
      ),
    );
    expect(summary).toEqual({ records: 5, applied: 1, ignored: 0, malformed: 4 });
    expect((await statusOf(h, fay.userId)).suppressedEmail).toBe(fay.email);
  });

  it("leaves a changed address alone: a bounce of the old one arriving late suppresses nothing", async () => {
    const h = harness();
    const gus = await memberAt(h, "gus");
    await h.db.repositories.profiles.ensureOnSignIn(gus.userId, {
      email: `new-${gus.email}`,
      displayName: "Gus",
      isMember: true,
    });
    const summary = await handlerFor(h)(snsEventOf([bounceEvent(gus.email)], TOPIC));
    expect(summary.applied).toBe(1);
    expect((await statusOf(h, gus.userId)).suppressedEmail).toBeUndefined();
  });

  it("fails the invocation when a record cannot be applied, so Lambda retries it, and the retry applies it", async () => {
    const h = harness();
    const hal = await memberAt(h, "hal");
    const ivy = await memberAt(h, "ivy");
    const real = emailEventsDependencies(functionEnvironment(h.db, h.endpoint)).profiles;
    const throttled = handlerFor(h, {
      profiles: {
        suppressEmail: (address, reason, at) =>
          address === ivy.email
            ? Promise.reject(new ThrottledError("DynamoDB throttled the request"))
            : real.suppressEmail(address, reason, at),
      },
      logger: new Logger({ logLevel: "SILENT" }),
    });
    const event = snsEventOf([bounceEvent(hal.email), bounceEvent(ivy.email)], TOPIC);
    const failure = await throttled(event).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EmailEventsFailedError);
    expect((failure as EmailEventsFailedError).failedMessageIds).toEqual([event.Records[1]?.Sns.MessageId]);
    expect((await statusOf(h, hal.userId)).suppressedEmail).toBe(hal.email);

    // Lambda's retry delivers the same event again: the done record changes nothing, the other is applied.
    expect(await handlerFor(h)(event)).toMatchObject({ applied: 2 });
    expect((await statusOf(h, ivy.userId)).suppressedEmail).toBe(ivy.email);
  });
});

describe("notifications to a suppressed address", () => {
  it("sends no email there, through the configuration set elsewhere, and the feed entry still comes", async () => {
    const h = harness();
    const itemId = `/1962/letters-${uniqueId("item")}`;
    const jo = await memberAt(h, "jo");
    const kim = await memberAt(h, "kim");
    const lee = await memberAt(h, "lee");
    const { comments } = h.db.repositories;
    await comments.create(commentBy(jo.userId, itemId, "First", "Letters, 1962"));
    await comments.create(commentBy(kim.userId, itemId, "Second", "Letters, 1962"));
    await handlerFor(h)(snsEventOf([bounceEvent(jo.email)], TOPIC));
    await h.tap.skip("Comments");

    await comments.create(commentBy(lee.userId, itemId, "Third", "Letters, 1962"));
    const response = await h.process("notifications", [await h.tap.takeOne("Comments")]);

    expect(response.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([kim.email]);
    expect(h.sentEmails()[0]?.ConfigurationSetName).toBe("hearth-test");
    const feed = await h.db.repositories.notifications.list(jo.userId, { limit: 10 });
    expect(feed.items.map((n) => n.kind)).toEqual(["comment"]);
  });

  it("sends no welcome to a suppressed address", async () => {
    const h = harness();
    const userId = uniqueId("newcomer");
    const email = `${userId}@family.example`;
    await h.db.repositories.profiles.ensureOnSignIn(userId, { displayName: "New", email, isMember: false });
    await handlerFor(h)(snsEventOf([complaintEvent(email)], TOPIC));
    await h.tap.skip("UserProfiles");
    await h.db.repositories.profiles.approve(userId, "admin-1");
    const response = await h.process("notifications", await h.tap.take("UserProfiles"));
    expect(response.batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toEqual([]);
  });
});
