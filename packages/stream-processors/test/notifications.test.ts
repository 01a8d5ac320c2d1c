import { MessageRejected, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { notificationProcessorDependencies } from "../src/notifications/build.js";
import {
  API_URL,
  batchOf,
  commentBy,
  conversationWithMessage,
  emailOf,
  type Harness,
  lambdaContext,
  membersWithProfiles,
  SENDER_EMAIL,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";

const harness = useHarness("notify");

async function rawProfile(h: Harness, userId: string) {
  const output = await h.db.doc.send(
    new GetCommand({ TableName: h.db.tables.UserProfiles, Key: { userId } }),
  );
  return output.Item;
}

describe("new comment", () => {
  it("emails every other live commenter on the item, and nobody else", async () => {
    const h = harness();
    const itemId = `/2015/christmas-${uniqueId("item")}`;
    const [alice, bob, carol, dave, gina] = await membersWithProfiles(
      h,
      "alice",
      "bob",
      "carol",
      "dave",
      "gina",
    );
    const erin = uniqueId("erin");
    await saveProfile(h, erin, { email: null });
    const { comments } = h.db.repositories;
    await comments.create(commentBy(alice, itemId));
    await comments.create(commentBy(bob, itemId));
    await comments.create(commentBy(bob, itemId, "Bob again"));
    const carols = await comments.create(commentBy(carol, itemId));
    await comments.softDelete(itemId, carols.commentId, { userId: carol, groups: [] }, { asAdmin: false });
    await comments.create(commentBy(dave, `${itemId}-other`));
    await comments.create(commentBy(erin, itemId));
    await h.tap.skip("Comments");

    const ginas = await comments.create(commentBy(gina, itemId, "Lovely photo"));
    const record = await h.tap.takeOne("Comments");
    const response = await h.process("notifications", [record]);

    expect(response.batchItemFailures).toEqual([]);
    // Not the author, not a deleted commenter, not another item's, not one without an address.
    expect(h.recipientsOfSent()).toEqual([emailOf(alice), emailOf(bob)].sort());
    const email = h.sentEmails()[0];
    expect(email?.FromEmailAddress).toBe(SENDER_EMAIL);
    expect(email?.Content?.Simple?.Subject?.Data).toBe('New comment on "Christmas 2015"');
    expect(email?.Content?.Simple?.Body?.Text?.Data).toContain("Lovely photo");
    expect(email?.Content?.Simple?.Body?.Text?.Data).toContain(`https://hearth.example${itemId}`);
    expect(email?.Content?.Simple?.Body?.Html?.Data).toContain(`href="https://hearth.example${itemId}"`);
    expect(ginas.itemTitle).toBe("Christmas 2015");
    // Each recipient's own one-click unsubscribe link, for comment emails only, and the settings link last.
    for (const sent of h.sentEmails()) {
      const headers = Object.fromEntries(
        (sent.Content?.Simple?.Headers ?? []).map((header) => [header.Name, header.Value]),
      );
      expect(headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      const link = /^<(.+)>$/.exec(headers["List-Unsubscribe"] ?? "")?.[1] ?? "";
      expect(link.startsWith(`${API_URL}/unsubscribe?token=`)).toBe(true);
      const claim = h.deps.unsubscribeTokens.verify(
        new URL(link).searchParams.get("token") ?? "",
        new Date(),
      );
      expect(claim.kind).toBe("comment");
      expect(emailOf(claim.userId)).toBe(sent.Destination?.ToAddresses?.[0]);
      expect(sent.Content?.Simple?.Body?.Text?.Data).toMatch(
        /Manage notifications: https:\/\/hearth\.example\/profile$/,
      );
      expect(sent.Content?.Simple?.Body?.Html?.Data).toContain(
        '<a href="https://hearth.example/profile">Manage notifications</a>',
      );
    }
  });

  it("does not tell people who commented later about an earlier comment", async () => {
    const h = harness();
    const itemId = `/1962/wedding-${uniqueId("item")}`;
    const [early, author, late] = await membersWithProfiles(h, "early", "author", "late");
    const { comments } = h.db.repositories;
    await comments.create(commentBy(early, itemId));
    await h.tap.skip("Comments");
    await comments.create(commentBy(author, itemId, "First dance"));
    const record = await h.tap.takeOne("Comments");
    // Someone comments before the stream record is processed.
    await comments.create(commentBy(late, itemId, "Too late"));

    const response = await h.process("notifications", [record]);

    expect(response.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(early)]);
  });

  it("never lets HTML in a comment reach the HTML body unescaped", async () => {
    const h = harness();
    const itemId = `/letters/${uniqueId("item")}`;
    const [reader, mallory] = await membersWithProfiles(h, "reader", "mallory");
    await h.db.repositories.comments.create(commentBy(reader, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create({
      ...commentBy(mallory, itemId, `<script>alert("x")</script> & <img src=x onerror=alert(1)>`),
      userName: "<b>Mallory</b>",
      itemTitle: `Grandma's "letters" <svg onload=alert(1)>`,
    });

    await h.process("notifications", [await h.tap.takeOne("Comments")]);

    const [email] = h.sentEmails();
    const html = email?.Content?.Simple?.Body?.Html?.Data ?? "";
    expect(html).not.toMatch(/<script|<img|<svg|<b>Mallory/);
    expect(html).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;",
    );
    expect(html).toContain("&lt;b&gt;Mallory&lt;/b&gt;");
    expect(html).toContain("Grandma&#39;s &quot;letters&quot; &lt;svg onload=alert(1)&gt;");
    expect(email?.Content?.Simple?.Subject?.Data).toBe(
      `New comment on "Grandma's "letters" <svg onload=alert(1)>"`,
    );
    expect(email?.Content?.Simple?.Body?.Text?.Data).toContain(`<script>alert("x")</script>`);
  });
});

describe("new reaction", () => {
  it("emails the comment's author only, and nobody when they liked their own comment", async () => {
    const h = harness();
    const itemId = `/1990/${uniqueId("item")}`;
    const [author, fan, bystander] = await membersWithProfiles(h, "author", "fan", "bystander");
    const comment = await h.db.repositories.comments.create(commentBy(author, itemId, "First snow"));
    await h.db.repositories.comments.create(commentBy(bystander, itemId));
    await h.tap.skip("Comments");

    await h.db.repositories.reactions.toggle(comment.commentId, fan);
    await h.db.repositories.reactions.toggle(comment.commentId, author);
    const records = await h.tap.take("CommentReactions");
    expect(records).toHaveLength(2);
    const response = await h.process("notifications", records);

    expect(response.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(author)]);
    const email = h.sentEmails()[0];
    expect(email?.Content?.Simple?.Subject?.Data).toBe(`${fan} liked your comment on "Christmas 2015"`);
    expect(email?.Content?.Simple?.Body?.Text?.Data).toContain("First snow");
  });
});

describe("new message", () => {
  it("emails every other participant of the conversation, not the sender nor outsiders", async () => {
    const h = harness();
    const [sam, tina, uma, vic] = await membersWithProfiles(h, "sam", "tina", "uma", "vic");
    await h.db.repositories.conversations.create({
      conversationId: uniqueId("other"),
      conversationType: "direct",
      participantIds: [sam, vic],
      title: null,
    });
    const { conversationId } = await conversationWithMessage(h, {
      conversationType: "group",
      participantIds: [sam, tina, uma],
      title: "Cousins",
      senderId: sam,
      senderName: "Sam",
      messageText: "Reunion in June?",
    });

    const response = await h.process("notifications", await h.tap.take("Messages"));

    expect(response.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(tina), emailOf(uma)].sort());
    const email = h.sentEmails()[0];
    expect(email?.Content?.Simple?.Subject?.Data).toBe('New message from Sam in "Cousins"');
    expect(email?.Content?.Simple?.Body?.Html?.Data).toContain(
      `href="https://hearth.example/messages/${conversationId}"`,
    );
    expect(email?.Content?.Simple?.Body?.Text?.Data).toContain("Reunion in June?");
  });
});

// A message deleted, or a group left, before its email goes out is not emailed.
describe("new message, deleted or left since", () => {
  it("emails nobody about a message its sender deleted before the email went out", async () => {
    const h = harness();
    const [wes, xia] = await membersWithProfiles(h, "wes", "xia");
    const { conversationId, message } = await conversationWithMessage(h, {
      conversationType: "direct",
      participantIds: [wes, xia],
      senderId: wes,
      senderName: "Wes",
      messageText: "Oops, wrong person",
    });
    await h.db.repositories.conversations.deleteMessage(wes, conversationId, message.messageId, [wes, xia]);

    const response = await h.process("notifications", await h.tap.take("Messages"));

    expect(response.batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toEqual([]);
  });

  it("does not email someone who left the group before the email went out", async () => {
    const h = harness();
    const [yan, zoe, abe] = await membersWithProfiles(h, "yan", "zoe", "abe");
    const { conversationId } = await conversationWithMessage(h, {
      conversationType: "group",
      participantIds: [yan, zoe, abe],
      senderId: yan,
      senderName: "Yan",
      messageText: "Who is coming?",
    });
    await h.db.repositories.conversations.leaveGroup(abe, conversationId);

    const response = await h.process("notifications", await h.tap.take("Messages"));

    expect(response.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(zoe)]);
  });
});

describe("preferences", () => {
  it("skips a recipient whose preference for that kind is off, and still emails the kinds left on", async () => {
    const h = harness();
    const itemId = `/prefs/${uniqueId("item")}`;
    const quiet = uniqueId("quiet");
    await saveProfile(h, quiet, { preferences: { comments: false, messages: false } });
    const [chatty, other] = await membersWithProfiles(h, "chatty", "other");
    const quiets = await h.db.repositories.comments.create(commentBy(quiet, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(other, itemId));
    await h.db.repositories.reactions.toggle(quiets.commentId, other);
    await conversationWithMessage(h, {
      conversationType: "group",
      participantIds: [other, quiet, chatty],
      senderId: other,
      senderName: "Other",
      messageText: "Hello both",
    });
    const records = [
      ...(await h.tap.take("Comments")),
      ...(await h.tap.take("CommentReactions")),
      ...(await h.tap.take("Messages")),
    ];

    const response = await h.process("notifications", records);

    expect(response.batchItemFailures).toEqual([]);
    const sent = h
      .sentEmails()
      .map((email) => [email.Destination?.ToAddresses?.[0], email.Content?.Simple?.Subject?.Data]);
    expect(sent).toEqual(
      expect.arrayContaining([
        [emailOf(quiet), expect.stringContaining("liked your comment")],
        [emailOf(chatty), expect.stringContaining("New message from Other")],
      ]),
    );
    expect(sent).toHaveLength(2);
  });

  it("emails no more comments to a member who followed their unsubscribe link, past the window too", async () => {
    const h = harness();
    const itemId = `/unsubscribed/${uniqueId("item")}`;
    const [leaver, stayer, writer] = await membersWithProfiles(h, "leaver", "stayer", "writer");
    await h.db.repositories.comments.create(commentBy(leaver, itemId));
    await h.db.repositories.comments.create(commentBy(stayer, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, itemId, "First"));
    await h.process("notifications", await h.tap.take("Comments"));
    const link = h
      .sentEmails()
      .find((email) => email.Destination?.ToAddresses?.[0] === emailOf(leaver))
      ?.Content?.Simple?.Headers?.find((header) => header.Name === "List-Unsubscribe")?.Value;
    const token = new URL(/^<(.+)>$/.exec(link ?? "")?.[1] ?? "http://x").searchParams.get("token") ?? "";
    // What POST /unsubscribe does with the link's token.
    const claim = h.deps.unsubscribeTokens.verify(token, new Date());
    expect(await h.db.repositories.profiles.turnOffNotifications(claim.userId, "comments")).toBe(true);

    h.advanceClock(16 * 60 * 1000);
    h.ses.resetHistory();
    await h.db.repositories.comments.create(commentBy(writer, itemId, "Second"));
    await h.process("notifications", await h.tap.take("Comments"));
    expect(h.recipientsOfSent()).toEqual([emailOf(stayer)]);
  });
});

describe("debounce", () => {
  it("sends one email per recipient and kind when two batches with different events race", async () => {
    const h = harness();
    const itemId = `/race/${uniqueId("item")}`;
    const [alice, bob, carol, dan] = await membersWithProfiles(h, "alice", "bob", "carol", "dan");
    await h.db.repositories.comments.create(commentBy(alice, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(bob, itemId, "From Bob"));
    await h.db.repositories.comments.create(commentBy(carol, itemId, "From Carol"));
    const [bobsRecord, carolsRecord] = await h.tap.take("Comments");

    // Two containers, each with its own batch, at the same time.
    const results = await Promise.all([
      h.process("notifications", [bobsRecord as never]),
      h.process("notifications", [carolsRecord as never]),
    ]);

    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const recipients = h.recipientsOfSent();
    expect(recipients.filter((to) => to === emailOf(alice))).toHaveLength(1);
    expect(new Set(recipients).size).toBe(recipients.length);

    // Within the window another comment emails nobody already emailed: only Carol, whose
    // comment came last and so was told about nobody's ...
    h.ses.resetHistory();
    await h.db.repositories.comments.create(commentBy(dan, itemId, "From Dan"));
    await h.process("notifications", await h.tap.take("Comments"));
    expect(h.recipientsOfSent()).toEqual([emailOf(carol)]);

    // ... and once the window has passed, they hear again.
    h.ses.resetHistory();
    h.advanceClock(15 * 60 * 1000 + 1000);
    await h.db.repositories.comments.create(commentBy(dan, itemId, "Dan again"));
    await h.process("notifications", await h.tap.take("Comments"));
    expect(h.recipientsOfSent()).toEqual([emailOf(alice), emailOf(bob), emailOf(carol)].sort());
  });
});

describe("redelivery", () => {
  it("sends nothing new when a whole batch is delivered again, even after the debounce window", async () => {
    const h = harness();
    const itemId = `/again/${uniqueId("item")}`;
    const [first, second, third] = await membersWithProfiles(h, "first", "second", "third");
    await h.db.repositories.comments.create(commentBy(first, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(second, itemId));
    await conversationWithMessage(h, {
      conversationType: "group",
      participantIds: [first, second, third],
      senderId: third,
      senderName: "Third",
      messageText: "Hi",
    });
    const batch = [...(await h.tap.take("Comments")), ...(await h.tap.take("Messages"))];

    await h.process("notifications", batch);
    expect(h.recipientsOfSent()).toEqual([emailOf(first), emailOf(first), emailOf(second)].sort());

    h.ses.resetHistory();
    // Past the debounce window only the record-level idempotency can hold the emails back;
    // a new processor instance (another container) shares nothing with the first but the table.
    h.advanceClock(16 * 60 * 1000);
    const again = await h.process("notifications", batch);

    expect(again.batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toEqual([]);
  });
});

describe("partial batch failure", () => {
  it("reports only the poisoned record of ten, releases its slot, and sends it on the retry", async () => {
    const h = harness();
    const [writer] = await membersWithProfiles(h, "writer");
    const readers = Array.from({ length: 10 }, (_, i) => uniqueId(`reader${i}`));
    const poisonedAddress = `${readers[4]}@bounces.example`;
    for (const [i, reader] of readers.entries()) {
      await saveProfile(h, reader, i === 4 ? { email: poisonedAddress } : {});
      await h.db.repositories.comments.create(commentBy(reader, `/batch/${reader}`));
    }
    await h.tap.skip("Comments");
    for (const reader of readers)
      await h.db.repositories.comments.create(commentBy(writer, `/batch/${reader}`));
    const records = await h.tap.take("Comments");
    expect(records).toHaveLength(10);
    h.ses
      .on(SendEmailCommand, { Destination: { ToAddresses: [poisonedAddress] } })
      .rejects(new MessageRejected({ message: "Email address is not verified.", $metadata: {} }));

    const response = await h.process("notifications", records);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[4]?.dynamodb?.SequenceNumber }]);
    expect(h.recipientsOfSent()).toEqual(
      [...readers.map((r) => (r === readers[4] ? poisonedAddress : emailOf(r)))].sort(),
    );
    expect((await rawProfile(h, readers[4] as string))?.lastEmailedAt_comment).toBeUndefined();
    expect((await rawProfile(h, readers[3] as string))?.lastEmailedAt_comment).toEqual(expect.any(String));

    // SES recovers; Lambda retries from the failed record on: only the failed one sends.
    h.ses.reset();
    h.ses.on(SendEmailCommand).resolves({ MessageId: "retry" });
    const retry = await h.process("notifications", records.slice(4));
    expect(retry.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([poisonedAddress]);
  });
});

describe("a record retried after its window passed", () => {
  it("does not email again whom it emailed the first time", async () => {
    const h = harness();
    const [writer] = await membersWithProfiles(h, "late-writer");
    const [emailed, refused] = [uniqueId("emailed"), uniqueId("refused")];
    const refusedAddress = `${refused}@bounces.example`;
    const itemId = `/late/${uniqueId("item")}`;
    await saveProfile(h, emailed, {});
    await saveProfile(h, refused, { email: refusedAddress });
    await h.db.repositories.comments.create(commentBy(emailed, itemId));
    await h.db.repositories.comments.create(commentBy(refused, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, itemId));
    const records = await h.tap.take("Comments");
    h.ses
      .on(SendEmailCommand, { Destination: { ToAddresses: [refusedAddress] } })
      .rejects(new MessageRejected({ message: "Sending paused", $metadata: {} }));
    expect((await h.process("notifications", records)).batchItemFailures).toHaveLength(1);
    expect(h.recipientsOfSent()).toEqual([emailOf(emailed), refusedAddress].sort());

    // The retry comes after the debounce window passed: a new slot, but the send is on record.
    h.advanceClock(16 * 60 * 1000);
    h.ses.reset();
    h.ses.on(SendEmailCommand).resolves({ MessageId: "retry" });
    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([refusedAddress]);
  });
});

describe("records that are not new comments, reactions or messages", () => {
  it("are ignored cleanly: edits, deletions, unlikes and other tables", async () => {
    const h = harness();
    const itemId = `/ignored/${uniqueId("item")}`;
    const [owner, liker] = await membersWithProfiles(h, "owner", "liker");
    const comment = await h.db.repositories.comments.create(commentBy(liker, itemId));
    const ownerComment = await h.db.repositories.comments.create(commentBy(owner, itemId));
    await h.db.repositories.reactions.toggle(ownerComment.commentId, liker);
    await h.tap.skip("Comments", "CommentReactions");

    const caller = { userId: liker, groups: ["ApprovedUsers"] };
    await h.db.repositories.comments.edit(itemId, comment.commentId, caller, "Edited");
    await h.db.repositories.comments.softDelete(itemId, comment.commentId, caller, { asAdmin: false });
    await h.db.repositories.reactions.toggle(ownerComment.commentId, liker);
    const modifies = await h.tap.take("Comments");
    const removes = await h.tap.take("CommentReactions");
    // The edit, the soft delete, and the unlike's counter update on the comment.
    expect(modifies.map((r) => r.eventName)).toEqual(["MODIFY", "MODIFY", "MODIFY"]);
    expect(removes.map((r) => r.eventName)).toEqual(["REMOVE"]);
    await h.db.repositories.comments.create(commentBy(owner, itemId, "Elsewhere"));
    const insert = await h.tap.takeOne("Comments");
    const fromAnotherTable = {
      ...insert,
      eventSourceARN: insert.eventSourceARN?.replace("Comments", "Unknown"),
    };

    const response = await h.process("notifications", [...modifies, ...removes, fromAnotherTable]);

    expect(response.batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toEqual([]);
  });
});

describe("welcome email", () => {
  /** Someone who signed in, waited, and was just approved; the profile stream's new records. */
  async function approved(h: Harness, displayName: string) {
    const userId = uniqueId("newcomer");
    await h.db.repositories.profiles.ensureOnSignIn(userId, {
      displayName,
      email: emailOf(userId),
      isMember: false,
    });
    await h.tap.skip("UserProfiles");
    await h.db.repositories.profiles.approve(userId, "admin-1");
    return { userId, records: await h.tap.take("UserProfiles") };
  }

  it("welcomes an approved person once, by their escaped name, with a link to the site", async () => {
    const h = harness();
    const { userId, records } = await approved(h, `Nan <3 & "Pa's" <img src=x onerror=alert(1)>`);
    expect(records.map((record) => record.eventName)).toEqual(["MODIFY"]);

    const response = await h.process("notifications", records);

    expect(response.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(userId)]);
    const [email] = h.sentEmails();
    expect(email?.FromEmailAddress).toBe(SENDER_EMAIL);
    expect(email?.Content?.Simple?.Subject?.Data).toBe("Welcome to the family archive");
    const html = email?.Content?.Simple?.Body?.Html?.Data ?? "";
    expect(html).toContain("Dear Nan &lt;3 &amp; &quot;Pa&#39;s&quot; &lt;img src=x onerror=alert(1)&gt;,");
    expect(html).not.toMatch(/<img/);
    expect(html).toContain('href="https://hearth.example/"');
    expect(email?.Content?.Simple?.Body?.Text?.Data).toContain("Open the archive: https://hearth.example/");
    // Not a notification one can opt out of: no unsubscribe headers.
    expect(email?.Content?.Simple?.Headers).toBeUndefined();

    // Redelivered (another container, past any window): the record-level idempotency holds it back.
    h.ses.resetHistory();
    h.advanceClock(16 * 60 * 1000);
    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toEqual([]);
  });

  it("sends the welcome once though its record failed after the send and was retried", async () => {
    const h = harness();
    const { userId, records } = await approved(h, "Pim");
    // The send goes; recording that it went fails (DynamoDB stalled), so the record fails.
    const { repositories } = notificationProcessorDependencies(h.env);
    const sentEmails = Object.assign(Object.create(repositories.sentEmails), {
      settle: async () => {
        throw new Error("DynamoDB did not answer");
      },
    });
    const stalled = h.build("notifications", { repositories: { ...repositories, sentEmails } });
    expect((await stalled(batchOf(records), lambdaContext())).batchItemFailures).toHaveLength(1);
    expect(h.recipientsOfSent()).toEqual([emailOf(userId)]);

    // The retry finds the send recorded before it went: no second welcome.
    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(userId)]);
  });

  it("sends nothing for a second approval or for later changes of an approved profile", async () => {
    const h = harness();
    const { userId, records } = await approved(h, "Olga");
    await h.process("notifications", records);
    h.ses.resetHistory();

    // Approving again writes nothing; a sign-in and a rename change the profile but not approvedAt.
    expect((await h.db.repositories.profiles.approve(userId, "admin-2")).changed).toBe(false);
    await h.db.repositories.profiles.ensureOnSignIn(userId, { displayName: "Olga", isMember: true });
    await h.db.repositories.profiles.upsert(userId, { displayName: "Olga B" });
    const later = await h.tap.take("UserProfiles");
    expect(later.length).toBeGreaterThan(0);

    expect((await h.process("notifications", later)).batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toEqual([]);
  });

  it("reports the record when SES fails, and sends the welcome on the retry", async () => {
    const h = harness();
    const { userId, records } = await approved(h, "Pia");
    h.ses.on(SendEmailCommand).rejects(new MessageRejected({ message: "Sending paused", $metadata: {} }));

    const failed = await h.process("notifications", records);
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber }]);

    h.ses.reset();
    h.ses.on(SendEmailCommand).resolves({ MessageId: "retry" });
    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(userId)]);
  });
});
