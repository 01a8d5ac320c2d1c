import { describe, expect, it } from "vitest";
import { photoUrlSchema } from "../src/entities.js";
import { ForbiddenError, InvalidInputError, MembershipPendingError } from "../src/errors.js";
import {
  assertAdmin,
  assertMember,
  assertOwnerOrAdmin,
  canViewProfile,
  isAdmin,
  isCurrentMember,
  isMember,
} from "../src/rules/access.js";
import { appendEditHistory } from "../src/rules/comments.js";
import { directConversationId, messagePreview, normalizeParticipants } from "../src/rules/conversations.js";
import { sanitizeText, toPlainText } from "../src/rules/text.js";

describe("plain text sanitizing", () => {
  const xss = [
    "<script>alert(1)</script>hello",
    '<img src=x onerror="alert(1)">hello',
    '<a href="javascript:alert(1)">hello</a>',
    "<scr<script>ipt>alert(1)</script>hello",
    "<div><p>hel</p>lo",
    "&lt;script&gt;alert(1)&lt;/script&gt;hello",
    "<svg onload=alert(1)><circle/></svg>hello",
    "<style>body{display:none}</style>hello",
    "<<b>hello",
    "<iframe src=//evil></iframe>hello",
  ];
  it.each(xss)("leaves no markup in %s", (input) => {
    const text = toPlainText(input);
    expect(text).not.toMatch(/<\s*[a-z!/]/i);
    expect(text).not.toMatch(/onerror|onload|<script/i);
    // Text inside a broken tag may be lost with it; text outside tags must survive.
    if (!input.startsWith("<<")) expect(text).toContain("hello");
  });

  it("keeps ordinary text, line breaks and comparisons, and decodes entities", () => {
    expect(toPlainText("Grandma & Grandpa\nwere 5 < 6 years\tapart")).toBe(
      "Grandma & Grandpa\nwere 5 < 6 years\tapart",
    );
    expect(toPlainText("Fish &amp; chips")).toBe("Fish & chips");
    expect(toPlainText("bell\u0007 ring")).toBe("bell ring");
  });

  it("replaces lone surrogates, which cannot be stored, and keeps real emoji", () => {
    expect(toPlainText("a\ud800b \udc00 😀")).toBe("a\ufffdb \ufffd 😀");
  });

  it("checks the length after sanitizing", () => {
    expect(() => sanitizeText("<b></b>   ", "commentText", { min: 1, max: 10 })).toThrow(InvalidInputError);
    expect(() => sanitizeText("x".repeat(11), "commentText", { min: 1, max: 10 })).toThrow(/at most 10/);
    expect(sanitizeText("<i>x</i>".repeat(10), "commentText", { min: 1, max: 10 })).toBe("x".repeat(10));
  });
});

describe("edit history", () => {
  it("keeps the last five previous versions in time order", () => {
    let history: ReturnType<typeof appendEditHistory> = [];
    for (let i = 0; i < 7; i++)
      history = appendEditHistory(history, `v${i}`, `2024-01-0${i + 1}T00:00:00.000Z`);
    expect(history.map((entry) => entry.text)).toEqual(["v2", "v3", "v4", "v5", "v6"]);
  });
});

describe("access rules", () => {
  const ann = { userId: "ann", groups: ["ApprovedUsers"] };
  const boss = { userId: "boss", groups: ["Admins"] };
  const stranger = { userId: "x", groups: [] };
  it("knows members and admins", () => {
    expect([isMember(ann), isMember(boss), isMember(stranger)]).toEqual([true, true, false]);
    expect([isAdmin(ann), isAdmin(boss)]).toEqual([false, true]);
    expect(() => assertMember(stranger)).toThrow(ForbiddenError);
    expect(() => assertAdmin(ann)).toThrow(ForbiddenError);
  });

  it("counts as a current member only a profile marked member", () => {
    expect(isCurrentMember({ membership: "member" })).toBe(true);
    // Pending approval, let out again (any other mark), unmarked or without a profile: not a member.
    expect(isCurrentMember({ membership: "pending" })).toBe(false);
    expect(isCurrentMember({ membership: "revoked" } as never)).toBe(false);
    expect(isCurrentMember({})).toBe(false);
    expect(isCurrentMember(null)).toBe(false);
    expect(isCurrentMember(undefined)).toBe(false);
  });

  it("tells a signed-in person who is not a member yet that their membership awaits approval", () => {
    expect(() => assertMember(stranger)).toThrow(MembershipPendingError);
    expect(() => assertMember(stranger)).toThrow(/awaiting approval/);
    // A member on an admin route is refused, but not as someone waiting.
    expect(() => assertAdmin(ann)).not.toThrow(MembershipPendingError);
  });

  it("lets owners act, and admins only where allowed", () => {
    expect(() => assertOwnerOrAdmin(ann, "ann", false, "comment")).not.toThrow();
    expect(() => assertOwnerOrAdmin(boss, "ann", false, "comment")).toThrow(ForbiddenError);
    expect(() => assertOwnerOrAdmin(boss, "ann", true, "comment")).not.toThrow();
  });

  it("shows private profiles to owners and admins only", () => {
    const profile = { userId: "ann", isProfilePrivate: true };
    expect([
      canViewProfile(ann, profile),
      canViewProfile(boss, profile),
      canViewProfile({ userId: "bob", groups: ["ApprovedUsers"] }, profile),
    ]).toEqual([true, true, false]);
  });
});

describe("conversation rules", () => {
  it("gives two people one deterministic URL-safe direct conversation id", () => {
    const id = directConversationId("user-b", "user-a");
    expect(id).toBe(directConversationId("user-a", "user-b"));
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id).not.toBe(directConversationId("user-a", "user-c"));
    expect(() => directConversationId("a", "a")).toThrow(InvalidInputError);
  });

  it("adds the caller, removes duplicates and limits group size", () => {
    expect(normalizeParticipants("me", ["you", "me", "you"])).toEqual(["me", "you"]);
    expect(() => normalizeParticipants("me", ["me"])).toThrow(InvalidInputError);
    expect(() =>
      normalizeParticipants(
        "me",
        Array.from({ length: 50 }, (_, i) => `u${i}`),
      ),
    ).toThrow(InvalidInputError);
  });

  it("previews text or attachments", () => {
    expect(messagePreview("  hi\n there ", 0)).toBe("hi there");
    expect(messagePreview("x".repeat(200), 0)).toHaveLength(100);
    expect(messagePreview("", 2)).toContain("2 attachments");
  });
});

describe("profile photo URLs", () => {
  it("accept https URLs on public host names, stored normalized so no quote or bracket survives", () => {
    expect(photoUrlSchema.parse("https://photos.example.org/alice.jpg")).toBe(
      "https://photos.example.org/alice.jpg",
    );
    expect(photoUrlSchema.parse(`HTTPS://Photos.Example.org/a "b"<c>'d.jpg`)).toBe(
      "https://photos.example.org/a%20%22b%22%3Cc%3E%27d.jpg",
    );
  });

  it.each([
    ["plain http", "http://photos.example.org/a.jpg"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a host without a domain", "https://localhost/a.jpg"],
    ["credentials", "https://user:secret@photos.example.org/a.jpg"],
    ["over 2048 characters", `https://photos.example.org/${"a".repeat(2048)}`],
  ])("refuse %s", (_, url) => {
    expect(photoUrlSchema.safeParse(url).success).toBe(false);
  });
});
