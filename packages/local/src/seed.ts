import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { ADMIN_GROUP, directConversationId, MEMBER_GROUP, type Repositories } from "@hearth/domain";
import { createUser } from "./provision.js";

export interface DemoUser {
  email: string;
  password: string;
  name: string;
  groups: readonly string[];
}

/** The demo accounts printed in the banner (local only; never used anywhere else). */
export const DEMO_USERS = {
  admin: {
    email: "admin@hearth.local",
    password: "Hearth-admin-2024",
    name: "Grandma Rose",
    groups: [ADMIN_GROUP],
  },
  member: {
    email: "member@hearth.local",
    password: "Hearth-member-2024",
    name: "Cousin Sam",
    groups: [MEMBER_GROUP],
  },
} as const satisfies Record<string, DemoUser>;

const DEMO_ITEM_ID = "/2015/christmas";

/**
 * The demo family: two users, comments on two items and a conversation between them. The
 * users go into the (new) pool; the content only into tables that do not have it yet, so a
 * new pool on tables that outlived it (an external DynamoDB, a deleted `.local/cognito`)
 * does not duplicate it. Returns whether the content was written.
 */
export async function seedDemoData(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  repositories: Repositories,
): Promise<{ content: boolean }> {
  const adminId = await createUser(cognito, userPoolId, DEMO_USERS.admin);
  const memberId = await createUser(cognito, userPoolId, DEMO_USERS.member);
  const admin = await repositories.profiles.upsert(
    adminId,
    { displayName: DEMO_USERS.admin.name, bio: "Keeper of the family letters." },
    { email: DEMO_USERS.admin.email, isMember: true },
  );
  const member = await repositories.profiles.upsert(
    memberId,
    { displayName: DEMO_USERS.member.name, bio: "Scanning the old photo albums." },
    { email: DEMO_USERS.member.email, isMember: true },
  );
  if ((await repositories.comments.commenterIds(DEMO_ITEM_ID)).size > 0) return { content: false };
  const comments = [
    {
      itemId: DEMO_ITEM_ID,
      itemTitle: "Christmas 2015",
      author: admin,
      text: "The year the tree fell over!",
    },
    {
      itemId: DEMO_ITEM_ID,
      itemTitle: "Christmas 2015",
      author: member,
      text: "I still have the photo.",
    },
    {
      itemId: "/1962/wedding-letter",
      itemTitle: "Wedding letter, 1962",
      author: member,
      text: "Who wrote the note on the back?",
    },
  ];
  for (const comment of comments) {
    await repositories.comments.create({
      itemId: comment.itemId,
      itemTitle: comment.itemTitle,
      userId: comment.author.userId,
      userName: comment.author.displayName,
      userPhotoUrl: null,
      commentText: comment.text,
    });
  }
  const conversationId = directConversationId(adminId, memberId);
  await repositories.conversations.create({
    conversationId,
    conversationType: "direct",
    participantIds: [adminId, memberId],
    title: null,
  });
  await repositories.conversations.sendMessage({
    conversationId,
    senderId: adminId,
    senderName: admin.displayName,
    messageText: "Welcome to Hearth, Sam! Have a look at the Christmas 2015 photos.",
    attachments: [],
  });
  return { content: true };
}
