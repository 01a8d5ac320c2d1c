import { escapeHtml, type NotificationPreferences } from "@hearth/domain";

const WHAT: Record<keyof NotificationPreferences, string> = {
  comments: "new comments on items you commented on",
  reactions: "likes on your comments",
  messages: "new messages",
  replies: "replies to your comments and in threads you started",
  mentions: "comments and messages that mention you",
};

/**
 * The page an unsubscribe link opens: what it would turn off (the kind, nothing about the
 * person) and one button that POSTs to the same link. Nothing changes until it is pressed.
 */
export function unsubscribePage(preference: keyof NotificationPreferences, token: string): string {
  const action = `?token=${encodeURIComponent(token)}`;
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>Unsubscribe - Hearth</title></head>",
    '<body style="font-family: Georgia, serif; color: #222; max-width: 32em; margin: 3em auto; padding: 0 1em;">',
    "<h1>Stop these emails?</h1>",
    `<p>You will no longer get emails about ${escapeHtml(WHAT[preference])}. You can turn them on again in your settings.</p>`,
    `<form method="post" action="${escapeHtml(action)}">`,
    '<input type="hidden" name="List-Unsubscribe" value="One-Click">',
    '<button type="submit">Unsubscribe</button>',
    "</form>",
    "</body></html>",
  ].join("\n");
}
