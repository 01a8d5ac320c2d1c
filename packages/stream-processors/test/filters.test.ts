import { existsSync } from "node:fs";
import { TABLE_SPECS } from "@hearth/domain";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  filterPatternsFor,
  isWantedRecord,
  PROCESSOR_MANIFESTS,
  PROCESSOR_NAMES,
  STREAM_SUBSCRIPTIONS,
} from "../src/functions.js";
import { JOB_FUNCTION_TIMEOUT_SECONDS, matchesFilterPattern } from "../src/stream-subscriptions.js";

const ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/prod-Comments/stream/2024-05-01T00:00:00.000";

/** A Comments stream record exactly as Lambda delivers it (DynamoDB JSON images). */
function commentRecord(
  eventName: "INSERT" | "MODIFY" | "REMOVE",
  images: { old?: { deletedAt?: string }; new?: { deletedAt?: string } },
): DynamoDBRecord {
  const image = (extra: { deletedAt?: string } | undefined) =>
    extra && {
      itemId: { S: "/2015/christmas" },
      commentId: { S: "01HZX3K6Q3V4Y8W2J5N7P9R0ST" },
      userId: { S: "user-1" },
      commentText: { S: "Lovely" },
      reactionCount: { N: "2" },
      isEdited: { BOOL: false },
      editHistory: { L: [] },
      userPhotoUrl: { NULL: true },
      ...(extra.deletedAt ? { deletedAt: { S: extra.deletedAt }, deletedBy: { S: "user-1" } } : {}),
    };
  return {
    eventID: "c4ca4238a0b923820dcc509a6f75849b",
    eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "eu-west-1",
    eventSourceARN: ARN,
    dynamodb: {
      ApproximateCreationDateTime: 1_714_521_600,
      Keys: { itemId: { S: "/2015/christmas" }, commentId: { S: "01HZX3K6Q3V4Y8W2J5N7P9R0ST" } },
      ...(images.new ? { NewImage: image(images.new) } : {}),
      ...(images.old ? { OldImage: image(images.old) } : {}),
      SequenceNumber: "4421584500000000017450439091",
      SizeBytes: 312,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
}

const deletedAt = "2024-05-01T10:00:00.000Z";
const insert = commentRecord("INSERT", { new: {} });
const edit = commentRecord("MODIFY", { old: {}, new: {} });
const softDelete = commentRecord("MODIFY", { old: {}, new: { deletedAt } });
const touchAfterDelete = commentRecord("MODIFY", { old: { deletedAt }, new: { deletedAt } });
const remove = commentRecord("REMOVE", { old: {} });

describe("the soft-delete pattern", () => {
  const softDeletePattern = filterPatternsFor("activity", "Comments").find((pattern) =>
    (pattern.eventName as string[]).includes("MODIFY"),
  );

  it("matches the MODIFY that adds deletedAt", () => {
    expect(softDeletePattern).toBeDefined();
    expect(matchesFilterPattern(softDeletePattern ?? {}, softDelete)).toBe(true);
  });

  it("does not match edits, changes to an already-deleted comment, inserts or removals", () => {
    for (const record of [edit, touchAfterDelete, insert, remove]) {
      expect(matchesFilterPattern(softDeletePattern ?? {}, record)).toBe(false);
    }
  });
});

describe("what each processor receives", () => {
  it("notifications: inserts only, on the three streamed tables", () => {
    expect(isWantedRecord("notifications", "Comments", insert)).toBe(true);
    for (const record of [edit, softDelete, remove]) {
      expect(isWantedRecord("notifications", "Comments", record)).toBe(false);
    }
    expect(isWantedRecord("notifications", "CommentReactions", { ...insert })).toBe(true);
    expect(isWantedRecord("notifications", "UserProfiles", insert)).toBe(false);
  });

  it("notifications: on profiles, only the change that approves someone (approvedAt appears)", () => {
    const profile = (approvedAt?: string) => ({
      userId: { S: "user-1" },
      displayName: { S: "Ann" },
      membership: { S: approvedAt ? "member" : "pending" },
      ...(approvedAt ? { approvedAt: { S: approvedAt }, approvedBy: { S: "admin-1" } } : {}),
    });
    const change = (eventName: "INSERT" | "MODIFY", old?: string | null, now?: string) => ({
      eventName,
      dynamodb: { ...(old !== null ? { OldImage: profile(old) } : {}), NewImage: profile(now) },
    });
    expect(isWantedRecord("notifications", "UserProfiles", change("MODIFY", undefined, deletedAt))).toBe(
      true,
    );
    // Already approved before (a sign-in, a rename), not approved, or a brand-new row.
    expect(isWantedRecord("notifications", "UserProfiles", change("MODIFY", deletedAt, deletedAt))).toBe(
      false,
    );
    expect(isWantedRecord("notifications", "UserProfiles", change("MODIFY", undefined, undefined))).toBe(
      false,
    );
    expect(isWantedRecord("notifications", "UserProfiles", change("INSERT", null, deletedAt))).toBe(false);
    expect(isWantedRecord("activity", "UserProfiles", change("MODIFY", undefined, deletedAt))).toBe(false);
  });

  it("activity: inserts and soft deletes of comments, inserts of reactions and messages", () => {
    expect(isWantedRecord("activity", "Comments", insert)).toBe(true);
    expect(isWantedRecord("activity", "Comments", softDelete)).toBe(true);
    expect(isWantedRecord("activity", "Comments", edit)).toBe(false);
    expect(isWantedRecord("activity", "Comments", remove)).toBe(false);
    expect(isWantedRecord("activity", "Messages", insert)).toBe(true);
    expect(isWantedRecord("activity", "Messages", remove)).toBe(false);
  });

  it("realtime: new feed entries only, not the unread counter nor the marker of a repeated event's entry", () => {
    const feedInsert = (image: Record<string, unknown>) => ({
      eventName: "INSERT",
      dynamodb: { NewImage: { userId: { S: "user-1" }, ...image } },
    });
    const entry = feedInsert({
      notificationId: { S: "2024-05-01T10:00:00.000Z#abc" },
      kind: { S: "reaction" },
    });
    expect(isWantedRecord("realtime", "Notifications", entry)).toBe(true);
    expect(
      isWantedRecord(
        "realtime",
        "Notifications",
        feedInsert({ notificationId: { S: "#unread" }, unreadCount: { N: "1" } }),
      ),
    ).toBe(false);
    expect(
      isWantedRecord(
        "realtime",
        "Notifications",
        feedInsert({
          notificationId: { S: "#once#0123abcd" },
          entryId: { S: "2024-05-01T10:00:00.000Z#abc" },
        }),
      ),
    ).toBe(false);
  });

  it("attachments: every new message (to tag its files sent), and deletions", () => {
    const newMessage = (attachments: unknown[]) => ({
      eventName: "INSERT",
      dynamodb: { NewImage: { messageText: { S: "hi" }, attachments: { L: attachments } } },
    });
    const file = (s3Key: string) => ({ M: { s3Key: { S: s3Key }, filename: { S: "a.jpg" } } });
    expect(isWantedRecord("attachments", "Messages", newMessage([file("attachments/u/1/a.jpg")]))).toBe(true);
    expect(
      isWantedRecord(
        "attachments",
        "Messages",
        newMessage([file("attachments/u/1/a.jpg"), file("attachments/u/2/b.jpg")]),
      ),
    ).toBe(true);
    // A message without files is passed on too; the processor finds nothing to tag.
    expect(isWantedRecord("attachments", "Messages", newMessage([]))).toBe(true);
    const deletion = {
      eventName: "MODIFY",
      dynamodb: { OldImage: { messageText: { S: "hi" } }, NewImage: { deleted: { BOOL: true } } },
    };
    expect(isWantedRecord("attachments", "Messages", deletion)).toBe(true);
    expect(isWantedRecord("attachments", "Comments", insert)).toBe(false);
  });

  it("attachments: a profile's tombstone appearing, and a profile taking an uploaded photo; no other profile change", () => {
    const profile = { userId: { S: "u" }, createdAt: { S: "2026-01-01T00:00:00.000Z" } };
    const tombstone = { userId: { S: "u" }, deletedAt: { S: "2026-02-01T00:00:00.000Z" } };
    const wanted = (eventName: string, dynamodb: Record<string, unknown>) =>
      isWantedRecord("attachments", "UserProfiles", { eventName, dynamodb });
    expect(wanted("MODIFY", { OldImage: profile, NewImage: tombstone })).toBe(true);
    expect(wanted("INSERT", { NewImage: tombstone })).toBe(true);
    const withPhoto = { ...profile, unconfirmedPhotoKey: { S: "profile-photos/u/1.jpg" } };
    expect(wanted("MODIFY", { OldImage: profile, NewImage: withPhoto })).toBe(true);
    expect(wanted("MODIFY", { OldImage: profile, NewImage: { ...profile, lastActive: { S: "x" } } })).toBe(
      false,
    );
    expect(wanted("REMOVE", { OldImage: profile })).toBe(false);
  });
});

describe("matchesFilterPattern", () => {
  const record = { eventName: "INSERT", tags: ["a", "b"], dynamodb: { Keys: { itemId: { S: "/2015/x" } } } };

  it("supports literals, prefix, anything-but, exists and arrays in the record", () => {
    expect(matchesFilterPattern({ eventName: ["MODIFY", "INSERT"] }, record)).toBe(true);
    expect(
      matchesFilterPattern({ dynamodb: { Keys: { itemId: { S: [{ prefix: "/2015/" }] } } } }, record),
    ).toBe(true);
    expect(
      matchesFilterPattern({ dynamodb: { Keys: { itemId: { S: [{ prefix: "/2016/" }] } } } }, record),
    ).toBe(false);
    expect(matchesFilterPattern({ eventName: [{ "anything-but": ["REMOVE"] }] }, record)).toBe(true);
    expect(matchesFilterPattern({ eventName: [{ "anything-but": "INSERT" }] }, record)).toBe(false);
    expect(matchesFilterPattern({ missing: [{ "anything-but": "x" }] }, record)).toBe(false);
    expect(matchesFilterPattern({ missing: [{ exists: false }] }, record)).toBe(true);
    expect(matchesFilterPattern({ eventName: [{ exists: false }] }, record)).toBe(false);
    expect(matchesFilterPattern({ tags: ["b"] }, record)).toBe(true);
    expect(matchesFilterPattern({ tags: ["c"] }, record)).toBe(false);
  });

  it("refuses operators and shapes it cannot evaluate instead of never matching", () => {
    expect(() => matchesFilterPattern({ eventName: [{ suffix: "T" }] }, record)).toThrow(
      /Unsupported filter rule/,
    );
    expect(() => matchesFilterPattern({ eventName: "INSERT" }, record)).toThrow(/must be an array/);
  });
});

describe("subscriptions", () => {
  it("only subscribe to tables whose spec has a stream with both images", () => {
    for (const subscription of STREAM_SUBSCRIPTIONS) {
      const spec = TABLE_SPECS.find((s) => s.name === subscription.table);
      expect(spec && "stream" in spec ? spec.stream : undefined).toBe("NEW_AND_OLD_IMAGES");
    }
  });

  it("give every processor an entry file, subscriptions, and the idempotency table (at least to note failures)", () => {
    for (const name of PROCESSOR_NAMES) {
      const manifest = PROCESSOR_MANIFESTS[name];
      const tables: Partial<Record<string, string>> = manifest.tables;
      expect(existsSync(manifest.entry)).toBe(true);
      expect(manifest.name).toBe(`stream-${name}`);
      expect(STREAM_SUBSCRIPTIONS.some((s) => s.processor === name)).toBe(true);
      // Job workers keep no idempotency records of their own (the job record says what was
      // done): they only note why a record failed; the account deletion also removes the
      // API's stored responses of the member.
      const isJobWorker = manifest.timeoutSeconds === JOB_FUNCTION_TIMEOUT_SECONDS;
      expect(tables.IdempotencyRecords).toBe(
        isJobWorker && name !== "deletions" ? "readUpdate" : "readWrite",
      );
      // Profiles change only through atomic updates, except that an account deletion tombstones one.
      if (name !== "deletions") expect(tables.UserProfiles).not.toBe("readWrite");
    }
  });

  it("send the attachments processor, of the changes, only the MODIFY that marks a message deleted", () => {
    const modify = (oldDeleted: boolean | undefined, newDeleted: boolean | undefined) => ({
      eventName: "MODIFY",
      dynamodb: {
        OldImage: oldDeleted === undefined ? { messageId: { S: "m" } } : { deleted: { BOOL: oldDeleted } },
        NewImage: newDeleted === undefined ? { messageId: { S: "m" } } : { deleted: { BOOL: newDeleted } },
      },
    });
    expect(isWantedRecord("attachments", "Messages", modify(undefined, true))).toBe(true);
    expect(isWantedRecord("attachments", "Messages", modify(true, true))).toBe(false);
    expect(isWantedRecord("attachments", "Messages", modify(undefined, undefined))).toBe(false);
    expect(isWantedRecord("attachments", "Messages", { eventName: "REMOVE", dynamodb: {} })).toBe(false);
    expect(isWantedRecord("attachments", "Comments", modify(undefined, true))).toBe(false);
  });
});
