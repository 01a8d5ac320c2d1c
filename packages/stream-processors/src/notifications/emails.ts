import {
  type Comment,
  DEFAULT_REACTION_KIND,
  escapeHtml,
  type Message,
  type NotificationKind,
  REACTION_EMOJI,
  type ReactionKind,
} from "@hearth/domain";

/** One rendered email: every piece of user content escaped in `html`, flattened in `subject`. */
export interface Email {
  subject: string;
  text: string;
  html: string;
}

/** Subjects are one line (no header tricks with line breaks) and of a readable length. */
function oneLine(text: string, max = 120): string {
  const flat = text.replace(/[\p{Cc}\s]+/gu, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function joinUrl(siteUrl: string, path: string): string {
  return `${siteUrl.replace(/\/+$/, "")}${path}`;
}

/** The item's page: `SITE_URL` + the item id (a path), each segment percent-encoded. */
export function itemUrl(siteUrl: string, itemId: string): string {
  const segments = itemId.split("/").filter((segment) => segment !== "");
  return joinUrl(siteUrl, `/${segments.map(encodeURIComponent).join("/")}`);
}

export function conversationUrl(siteUrl: string, conversationId: string): string {
  return joinUrl(siteUrl, `/messages/${encodeURIComponent(conversationId)}`);
}

export function settingsUrl(siteUrl: string): string {
  return joinUrl(siteUrl, "/profile");
}

/** The page where a member follows their export (it asks the API for a fresh download link). */
export function exportUrl(siteUrl: string, jobId: string): string {
  return joinUrl(siteUrl, `/profile/exports/${encodeURIComponent(jobId)}`);
}

/** The last line of every email: a plain link to the settings, where every kind can be turned off. */
const MANAGE_NOTIFICATIONS = "Manage notifications";
function manageNotificationsText(siteUrl: string): string {
  return `${MANAGE_NOTIFICATIONS}: ${settingsUrl(siteUrl)}`;
}
function manageNotificationsHtml(siteUrl: string): string {
  return `<p style="font-size: 12px;"><a href="${escapeHtml(settingsUrl(siteUrl))}">${MANAGE_NOTIFICATIONS}</a></p>`;
}

type EmailKind = NotificationKind | "export";

const REASONS: Record<EmailKind, string> = {
  comment: "you commented on this item",
  reaction: "someone reacted to your comment",
  message: "you are in this conversation",
  reply: "someone replied to your comment or in a thread you started",
  mention: "someone mentioned you",
  export: "you asked for a copy of your data",
};

interface Layout {
  kind: EmailKind;
  siteUrl: string;
  subject: string;
  /** The first line, plain text. */
  headline: string;
  /** The quoted user content, plain text (may span lines). */
  quote: string;
  link: { url: string; label: string };
}

function render({ kind, siteUrl, subject, headline, quote, link }: Layout): Email {
  const text = [
    headline,
    "",
    ...quote.split("\n").map((line) => `> ${line}`),
    "",
    `${link.label}: ${link.url}`,
    "",
    "--",
    `You get this email because ${REASONS[kind]}.`,
    manageNotificationsText(siteUrl),
  ].join("\n");
  const quoteHtml = escapeHtml(quote).replace(/\n/g, "<br>");
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: Georgia, serif; color: #222;">',
    `<p>${escapeHtml(headline)}</p>`,
    `<blockquote style="border-left: 3px solid #ccc; margin: 0; padding-left: 12px;">${quoteHtml}</blockquote>`,
    `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`,
    `<p style="font-size: 12px; color: #777;">You get this email because ${escapeHtml(REASONS[kind])}.</p>`,
    manageNotificationsHtml(siteUrl),
    "</body></html>",
  ].join("\n");
  return { subject: oneLine(subject), text, html };
}

const titleOf = (comment: Pick<Comment, "itemTitle" | "itemId">) =>
  comment.itemTitle?.trim() || comment.itemId;
const nameOr = (name: string | undefined | null, fallback: string) => name?.trim() || fallback;

export function commentEmail(siteUrl: string, comment: Comment): Email {
  const title = oneLine(titleOf(comment), 100);
  const author = nameOr(comment.userName, "Someone");
  return render({
    kind: "comment",
    siteUrl,
    subject: `New comment on "${title}"`,
    headline: `${author} commented on "${title}":`,
    quote: comment.commentText,
    link: { url: itemUrl(siteUrl, comment.itemId), label: "See the conversation" },
  });
}

export function reactionEmail(
  siteUrl: string,
  comment: Comment,
  reactorName: string | undefined,
  kind: ReactionKind = DEFAULT_REACTION_KIND,
): Email {
  const title = oneLine(titleOf(comment), 100);
  const reactor = nameOr(reactorName, "Someone");
  // A like reads as it always has; the other kinds are named with their emoji.
  const reacted = kind === DEFAULT_REACTION_KIND ? "liked" : `reacted ${REACTION_EMOJI[kind]} ${kind} to`;
  return render({
    kind: "reaction",
    siteUrl,
    subject: `${reactor} ${reacted} your comment on "${title}"`,
    headline: `${reactor} ${reacted} your comment on "${title}":`,
    quote: comment.commentText,
    link: { url: itemUrl(siteUrl, comment.itemId), label: "See your comment" },
  });
}

/**
 * A reply: to the author of the comment answered (`toTheirComment`), or to the author of the
 * thread's top comment when someone answered another reply in it.
 */
export function replyEmail(siteUrl: string, comment: Comment, toTheirComment: boolean): Email {
  const title = oneLine(titleOf(comment), 100);
  const author = nameOr(comment.userName, "Someone");
  const what = toTheirComment ? "replied to your comment" : "replied in your thread";
  return render({
    kind: "reply",
    siteUrl,
    subject: `${author} ${what} on "${title}"`,
    headline: `${author} ${what} on "${title}":`,
    quote: comment.commentText,
    link: { url: itemUrl(siteUrl, comment.itemId), label: "See the reply" },
  });
}

/** A comment that mentions the recipient. */
export function commentMentionEmail(siteUrl: string, comment: Comment): Email {
  const title = oneLine(titleOf(comment), 100);
  const author = nameOr(comment.userName, "Someone");
  return render({
    kind: "mention",
    siteUrl,
    subject: `${author} mentioned you on "${title}"`,
    headline: `${author} mentioned you in a comment on "${title}":`,
    quote: comment.commentText,
    link: { url: itemUrl(siteUrl, comment.itemId), label: "See the comment" },
  });
}

/** A message that mentions the recipient (a participant). */
export function messageMentionEmail(
  siteUrl: string,
  message: Message,
  conversationTitle: string | null,
): Email {
  const sender = nameOr(message.senderName, "Someone");
  const where = conversationTitle?.trim() ? ` in "${oneLine(conversationTitle, 100)}"` : "";
  return render({
    kind: "mention",
    siteUrl,
    subject: `${sender} mentioned you${where}`,
    headline: `${sender} mentioned you in a message${where}:`,
    quote: message.messageText,
    link: { url: conversationUrl(siteUrl, message.conversationId), label: "Open the conversation" },
  });
}

/**
 * The welcome email of a person an admin approved: greets them by their (escaped) name and
 * links to the site. Sent once per approval, whatever their notification preferences.
 */
export function welcomeEmail(siteUrl: string, displayName: string | undefined | null): Email {
  const name = oneLine(nameOr(displayName, "there"), 100);
  const site = joinUrl(siteUrl, "/");
  const body =
    "An admin of the family archive has approved your membership: you can now read the letters and media, comment on them, react to comments and send messages to the family.";
  const again = "If the archive still says your membership is awaiting approval, sign in again.";
  const text = [
    `Dear ${name},`,
    "",
    body,
    "",
    `Open the archive: ${site}`,
    "",
    again,
    "",
    "--",
    manageNotificationsText(siteUrl),
  ].join("\n");
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: Georgia, serif; color: #222;">',
    `<p>Dear ${escapeHtml(name)},</p>`,
    `<p>${escapeHtml(body)}</p>`,
    `<p><a href="${escapeHtml(site)}">Open the archive</a></p>`,
    `<p style="font-size: 12px; color: #777;">${escapeHtml(again)}</p>`,
    manageNotificationsHtml(siteUrl),
    "</body></html>",
  ].join("\n");
  return { subject: "Welcome to the family archive", text, html };
}

export function messageEmail(siteUrl: string, message: Message, conversationTitle: string | null): Email {
  const sender = nameOr(message.senderName, "Someone");
  const where = conversationTitle?.trim() ? ` in "${oneLine(conversationTitle, 100)}"` : "";
  const attachments = message.attachments.length;
  const attachmentNote =
    attachments === 0 ? "" : attachments === 1 ? "(1 attachment)" : `(${attachments} attachments)`;
  return render({
    kind: "message",
    siteUrl,
    subject: `New message from ${sender}${where}`,
    headline: `${sender} sent you a message${where}:`,
    quote: [message.messageText, attachmentNote].filter(Boolean).join("\n"),
    link: { url: conversationUrl(siteUrl, message.conversationId), label: "Open the conversation" },
  });
}

/** "Your export is ready": what it holds (the job's counts) and where to download it. */
export function exportReadyEmail(siteUrl: string, jobId: string, counts: Record<string, number>): Email {
  const summary = Object.entries(counts)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(", ");
  return render({
    kind: "export",
    siteUrl,
    subject: "Your Hearth data export is ready",
    headline: "The copy of your data you asked for is ready to download for the next 7 days:",
    quote: summary || "Your profile and everything you wrote.",
    link: { url: exportUrl(siteUrl, jobId), label: "Download your data" },
  });
}

/** One place a digest points to: an item (comments, reactions) or a conversation (messages). */
interface DigestGroup {
  title: string;
  url: string;
  count: number;
  actors: string[];
}

const DIGEST_NOUNS: Record<NotificationKind, [one: string, many: string]> = {
  comment: ["new comment", "new comments"],
  // Reactions of every kind, not only likes.
  reaction: ["new reaction", "new reactions"],
  message: ["new message", "new messages"],
  reply: ["new reply", "new replies"],
  mention: ["new mention", "new mentions"],
};
const DIGEST_PLACES: Record<NotificationKind, string> = {
  comment: "on",
  reaction: "on",
  message: "in",
  reply: "on",
  mention: "in",
};

function groupsOf(siteUrl: string, held: readonly DigestEvent[]): DigestGroup[] {
  const groups = new Map<string, DigestGroup>();
  for (const event of held) {
    // Messages and mentions in messages point to their conversation, the rest to their item.
    const isConversation = !!event.conversationId;
    const key = isConversation ? `c:${event.conversationId}` : `i:${event.itemId}`;
    let group = groups.get(key);
    if (!group) {
      group = isConversation
        ? {
            title:
              event.conversationTitle?.trim() ||
              `your conversation with ${nameOr(event.actor.displayName, "someone")}`,
            url: conversationUrl(siteUrl, event.conversationId as string),
            count: 0,
            actors: [],
          }
        : {
            title: event.itemTitle?.trim() || event.itemId || "an item",
            url: itemUrl(siteUrl, event.itemId ?? ""),
            count: 0,
            actors: [],
          };
      groups.set(key, group);
    }
    group.count += 1;
    const actor = nameOr(event.actor.displayName, "Someone");
    if (!group.actors.includes(actor)) group.actors.push(actor);
  }
  return [...groups.values()];
}

const listOf = (parts: readonly string[]) =>
  parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;

/** What a digest lists about one held event. */
export interface DigestEvent {
  actor: { displayName: string };
  itemId: string | null;
  itemTitle: string | null;
  conversationId: string | null;
  conversationTitle: string | null;
}

/**
 * The window's digest: the events held since its first email, grouped by item (or conversation),
 * each group with its count and link - "3 new comments on "Christmas 2015" and 1 on "Letters, 1962"".
 */
export function digestEmail(siteUrl: string, kind: NotificationKind, held: readonly DigestEvent[]): Email {
  const groups = groupsOf(siteUrl, held);
  const [one, many] = DIGEST_NOUNS[kind];
  const place = DIGEST_PLACES[kind];
  const phrase = (group: DigestGroup, index: number) => {
    const title = `"${oneLine(group.title, 60)}"`;
    return index === 0
      ? `${group.count} ${group.count === 1 ? one : many} ${place} ${title}`
      : `${group.count} ${place} ${title}`;
  };
  const shown = groups.slice(0, 3).map(phrase);
  const rest = groups.length - shown.length;
  const summary = rest > 0 ? `${shown.join(", ")} and ${rest} more` : listOf(shown);
  const lines = groups.map(
    (group) =>
      `${group.count} ${group.count === 1 ? one : many} ${place} "${oneLine(group.title, 100)}" ` +
      `from ${listOf(group.actors)}`,
  );
  const footer = `You get this email because ${REASONS[kind]}. Change which emails you get: ${settingsUrl(siteUrl)}`;
  const text = [
    `Since our last email: ${summary}.`,
    "",
    ...groups.flatMap((group, index) => [lines[index] as string, `  ${group.url}`, ""]),
    "--",
    footer,
    manageNotificationsText(siteUrl),
  ].join("\n");
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: Georgia, serif; color: #222;">',
    `<p>${escapeHtml(`Since our last email: ${summary}.`)}</p>`,
    "<ul>",
    ...groups.map(
      (group, index) =>
        `<li><a href="${escapeHtml(group.url)}">${escapeHtml(lines[index] as string)}</a></li>`,
    ),
    "</ul>",
    `<p style="font-size: 12px; color: #777;">You get this email because ${escapeHtml(REASONS[kind])}. ` +
      `<a href="${escapeHtml(settingsUrl(siteUrl))}">Change which emails you get</a>.</p>`,
    manageNotificationsHtml(siteUrl),
    "</body></html>",
  ].join("\n");
  return { subject: oneLine(summary, 160), text, html };
}
