import { DELETED_MESSAGE_PREVIEW, FORMER_MEMBER } from "@hearth/domain";
import { createDeletionRunner, type JobRun, type UserAccounts } from "@hearth/stream-processors";
import { describe, expect, it } from "vitest";
import {
  type ApiResponse,
  GENEROUS_RATE_LIMITS,
  saveProfile,
  type TestUser,
  users,
  useTestApi,
} from "./helpers.js";

const api = useTestApi("account-deletion");

const leaver: TestUser = {
  userId: "user-leaver",
  email: "leaver@example.org",
  name: "Lee Leaver",
  groups: ["ApprovedUsers"],
};
const { bob, carol } = users;
const ITEM = "/letters/1944-05";
const SECRET = "Leaver's secret";

/**
 * Cognito is not what these tests are about (the runner's own tests use cognito-local):
 * this port only says what was asked of it.
 */
function recordingPorts(): {
  userAccounts: UserAccounts;
  connectionsApi: { close(connectionId: string): Promise<"sent" | "gone"> };
  deletedUsers: string[];
} {
  const deletedUsers: string[] = [];
  return {
    deletedUsers,
    userAccounts: {
      async deleteUser(username) {
        deletedUsers.push(username);
        return true;
      },
    },
    // The member has no open socket in these tests: nothing to close.
    connectionsApi: { close: async () => "gone" as const },
  };
}

async function deleteAccount(userId: string) {
  const ports = recordingPorts();
  const now = new Date().toISOString();
  const run: JobRun = {
    job: {
      jobId: `job-${userId}`,
      kind: "deletion",
      userId,
      requestedBy: userId,
      status: "IN_PROGRESS",
      createdAt: now,
      updatedAt: now,
      progress: {},
    },
    checkpoint: async () => {},
  };
  const result = await createDeletionRunner({
    repositories: api().db.repositories,
    rateLimits: GENEROUS_RATE_LIMITS,
    ...ports,
  })(run);
  return { result, deletedUsers: ports.deletedUsers };
}

function expectOk(response: ApiResponse, status = 200): ApiResponse {
  if (response.status !== status)
    throw new Error(`Expected ${status}, got ${response.status}: ${response.raw.body}`);
  return response;
}

describe("after a member's account is deleted", () => {
  it("their profile is gone and none of their text is readable through any route", async () => {
    const { call } = api();
    for (const user of [leaver, bob, carol]) await saveProfile(call, user, { bio: `${user.userId}'s bio` });

    const own = await call("POST", "/comments/{itemId}", {
      caller: leaver,
      pathParameters: { itemId: ITEM },
      body: { commentText: `${SECRET} 1` },
    });
    const ownId = expectOk(own, 201).body.commentId as string;
    expectOk(
      await call("PUT", "/comments/{itemId}/{commentId}", {
        caller: leaver,
        pathParameters: { itemId: ITEM, commentId: ownId },
        body: { commentText: `${SECRET} 1, edited` },
      }),
    );
    expectOk(
      await call("POST", "/comments/{itemId}", {
        caller: leaver,
        pathParameters: { itemId: ITEM },
        body: { commentText: `${SECRET} 2` },
      }),
      201,
    );
    const bobs = expectOk(
      await call("POST", "/comments/{itemId}", {
        caller: bob,
        pathParameters: { itemId: ITEM },
        body: { commentText: "Bob remembers the farm" },
      }),
      201,
    ).body.commentId as string;
    for (const caller of [leaver, carol]) {
      expectOk(await call("POST", "/reactions/{commentId}", { caller, pathParameters: { commentId: bobs } }));
    }

    const group = expectOk(
      await call("POST", "/messages/conversations", {
        caller: leaver,
        body: {
          participantIds: [bob.userId, carol.userId],
          messageText: `${SECRET} to the group`,
          title: "Cousins",
        },
      }),
      201,
    ).body.conversationId as string;
    expectOk(
      await call("POST", "/messages/conversations/{conversationId}", {
        caller: bob,
        pathParameters: { conversationId: group },
        body: { messageText: "Bob replies" },
      }),
      201,
    );
    expectOk(
      await call("POST", "/messages/conversations/{conversationId}", {
        caller: leaver,
        pathParameters: { conversationId: group },
        body: { messageText: `${SECRET}, the last word` },
      }),
      201,
    );
    const direct = expectOk(
      await call("POST", "/messages/conversations", {
        caller: leaver,
        body: { participantIds: [bob.userId], messageText: `${SECRET} to Bob alone` },
      }),
      201,
    ).body.conversationId as string;

    const { result, deletedUsers } = await deleteAccount(leaver.userId);
    expect(result).toMatchObject({
      deleted: { reactions: 1, comments: 2, messages: 3, conversations: 2, profile: 1 },
    });
    // No username was recorded: the user id (the pool's sub) names the Cognito user.
    expect(deletedUsers).toEqual([leaver.userId]);

    expect(
      (await call("GET", "/profile/{userId}", { caller: bob, pathParameters: { userId: leaver.userId } }))
        .status,
    ).toBe(404);
    const responses: ApiResponse[] = [];
    const read = async (method: string, resource: string, options: Parameters<typeof call>[2]) => {
      const response = await call(method, resource, options);
      responses.push(response);
      return response;
    };

    const comments = expectOk(
      await read("GET", "/comments/{itemId}", { caller: bob, pathParameters: { itemId: ITEM } }),
    );
    expect(comments.body.comments).toEqual([expect.objectContaining({ commentId: bobs, reactionCount: 1 })]);
    const reactors = expectOk(
      await read("GET", "/reactions/{commentId}", { caller: bob, pathParameters: { commentId: bobs } }),
    );
    expect(reactors.body.reactions.map((r: { userId: string }) => r.userId)).toEqual([carol.userId]);
    const theirComments = await read("GET", "/profile/{userId}/comments", {
      caller: bob,
      pathParameters: { userId: leaver.userId },
    });
    expect([200, 404]).toContain(theirComments.status);
    if (theirComments.status === 200) expect(theirComments.body.comments).toEqual([]);

    const conversations = expectOk(await read("GET", "/messages/conversations", { caller: bob }));
    const byId = new Map(
      conversations.body.conversations.map((c: { conversationId: string }) => [c.conversationId, c]),
    );
    for (const conversationId of [group, direct]) {
      const conversation = byId.get(conversationId) as {
        participantIds: string[];
        lastMessagePreview: string;
      };
      // Bob keeps both conversations; the leaver is no longer in them.
      expect(conversation.participantIds).not.toContain(leaver.userId);
      expect(conversation.lastMessagePreview).toBe(DELETED_MESSAGE_PREVIEW);
      const messages = expectOk(
        await read("GET", "/messages/conversations/{conversationId}", {
          caller: bob,
          pathParameters: { conversationId },
        }),
      );
      const theirs = messages.body.messages.filter((m: { senderId: string }) => m.senderId === leaver.userId);
      expect(theirs.length).toBeGreaterThan(0);
      for (const message of theirs) {
        expect(message).toMatchObject({
          deleted: true,
          messageText: null,
          attachments: [],
          senderName: FORMER_MEMBER,
        });
      }
    }
    const groupMessages = expectOk(
      await call("GET", "/messages/conversations/{conversationId}", {
        caller: carol,
        pathParameters: { conversationId: group },
      }),
    );
    expect(groupMessages.body.messages.map((m: { messageText: string | null }) => m.messageText)).toContain(
      "Bob replies",
    );
    // The others go on writing in both.
    for (const conversationId of [group, direct]) {
      expectOk(
        await call("POST", "/messages/conversations/{conversationId}", {
          caller: bob,
          pathParameters: { conversationId },
          body: { messageText: "Still here" },
        }),
        201,
      );
    }
    expect(responses.map((response) => response.raw.body).join("\n")).not.toContain(SECRET);
    expect(responses.map((response) => response.raw.body).join("\n")).not.toContain("user-leaver's bio");
    // The member directory no longer lists them.
    const members = expectOk(await call("GET", "/members", { caller: bob }));
    expect(members.body.members.map((m: { userId: string }) => m.userId)).not.toContain(leaver.userId);
  });

  it("a participant without a profile is shown as a former member", async () => {
    const { call, db } = api();
    const dana: TestUser = {
      userId: "user-dana",
      email: "dana@example.org",
      name: "Dana",
      groups: ["ApprovedUsers"],
    };
    for (const user of [dana, carol, bob]) await saveProfile(call, user);
    const started = expectOk(
      await call("POST", "/messages/conversations", {
        caller: dana,
        body: { participantIds: [carol.userId, bob.userId], messageText: "hi" },
      }),
      201,
    ).body.conversationId as string;
    // Bob's profile goes the way an account deletion takes it (the rest of him stays for this check).
    await db.repositories.profiles.tombstone(bob.userId);
    // His still-valid token cannot bring the profile back.
    const back = await call("PUT", "/profile", { caller: bob, body: { displayName: "Bob again" } });
    expect(back.status).toBe(403);
    expect(back.body.error.code).toBe("ACCOUNT_DELETED");
    expect(await db.repositories.profiles.get(bob.userId)).toBeNull();
    const list = expectOk(await call("GET", "/messages/conversations", { caller: carol }));
    const conversation = list.body.conversations.find(
      (c: { conversationId: string }) => c.conversationId === started,
    );
    expect(conversation.participants).toContainEqual(
      expect.objectContaining({ userId: bob.userId, displayName: FORMER_MEMBER }),
    );
  });
});
