import { type Comment, escapeHtml, type Message } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import {
  commentEmail,
  digestEmail,
  itemUrl,
  messageEmail,
  reactionEmail,
} from "../src/notifications/emails.js";

const site = "https://hearth.example/";
const comment: Comment = {
  itemId: "/2015/christmas dinner",
  commentId: "c1",
  userId: "u1",
  userName: "Ann",
  userPhotoUrl: null,
  commentText: "Line one\nLine <two>",
  itemTitle: null,
  createdAt: "2024-05-01T10:00:00.000Z",
  updatedAt: "2024-05-01T10:00:00.000Z",
  isEdited: false,
  editHistory: [],
  reactionCount: 0,
};

describe("emails", () => {
  it("escapes all five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("links to SITE_URL plus the item id, percent-encoding each segment", () => {
    expect(itemUrl(site, "/2015/christmas dinner")).toBe("https://hearth.example/2015/christmas%20dinner");
    expect(itemUrl("https://hearth.example", 'letters/"x"')).toBe("https://hearth.example/letters/%22x%22");
  });

  it("falls back to the item id for the title and keeps line breaks", () => {
    const email = commentEmail(site, comment);
    expect(email.subject).toBe('New comment on "/2015/christmas dinner"');
    expect(email.text).toContain("> Line one\n> Line <two>");
    expect(email.html).toContain("Line one<br>Line &lt;two&gt;");
  });

  it("keeps subjects on one line whatever the user wrote", () => {
    const email = reactionEmail(site, { ...comment, itemTitle: "A\r\nBcc: x@y.z" }, "Bo\nb");
    expect(email.subject).toBe('Bo b liked your comment on "A Bcc: x@y.z"');
  });

  it("mentions attachments of a message without text", () => {
    const message: Message = {
      conversationId: "dm_abc",
      messageId: "m1",
      senderId: "u1",
      senderName: "Ann",
      messageText: "",
      attachments: [{ s3Key: "k", filename: "f.jpg", contentType: "image/jpeg", size: 10 }],
      createdAt: "2024-05-01T10:00:00.000Z",
    };
    const email = messageEmail(site, message, null);
    expect(email.subject).toBe("New message from Ann");
    expect(email.text).toContain("(1 attachment)");
    expect(email.text).toContain("https://hearth.example/messages/dm_abc");
  });

  it("lists a digest's events grouped by item, each group with its link and escaped names", () => {
    const event = (itemId: string, itemTitle: string | null, name: string) => ({
      actor: { displayName: name },
      itemId,
      itemTitle,
      conversationId: null,
      conversationTitle: null,
    });
    const email = digestEmail(site, "comment", [
      event("/2015/christmas", "Christmas 2015", "Ben"),
      event("/1962/letters", "Letters, 1962", "<b>Cy</b>"),
      event("/2015/christmas", "Christmas 2015", "Ben"),
      event("/2015/christmas", "Christmas 2015", "Dee"),
    ]);
    expect(email.subject).toBe('3 new comments on "Christmas 2015" and 1 on "Letters, 1962"');
    expect(email.text).toContain(
      '3 new comments on "Christmas 2015" from Ben and Dee\n  https://hearth.example/2015/christmas',
    );
    expect(email.text).toContain(
      '1 new comment on "Letters, 1962" from <b>Cy</b>\n  https://hearth.example/1962/letters',
    );
    expect(email.html).toContain(
      '<a href="https://hearth.example/1962/letters">1 new comment on &quot;Letters, 1962&quot; from &lt;b&gt;Cy&lt;/b&gt;</a>',
    );
    expect(email.html).not.toContain("<b>Cy");

    const many = digestEmail(
      site,
      "reaction",
      ["a", "b", "c", "d", "e"].map((id) => event(`/${id}`, null, "Ann")),
    );
    expect(many.subject).toBe('1 new reaction on "/a", 1 on "/b", 1 on "/c" and 2 more');
    expect(many.text.match(/https:\/\/hearth\.example\/[a-e]\n/g)).toHaveLength(5);
  });
});
