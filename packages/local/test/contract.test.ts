import { describe, expect, it } from "vitest";
import { ContractValidator, ContractViolation } from "../e2e/contract.js";

/** The e2e suite's contract check, against the committed OpenAPI document. */
describe("the e2e contract check", () => {
  const contract = new ContractValidator();
  const comment = {
    itemId: "/2015/christmas",
    commentId: "01JZ0000000000000000000000",
    userId: "u1",
    userName: "Alice",
    userPhotoUrl: null,
    commentText: "The tree!",
    itemTitle: null,
    createdAt: "2026-12-01T10:00:00.000Z",
    updatedAt: "2026-12-01T10:00:00.000Z",
    isEdited: false,
    editHistory: [],
    reactionCount: 0,
    reactionCounts: { like: 0, love: 0, laugh: 0, wow: 0, sad: 0 },
    version: 1,
    viewerHasReacted: false,
    mentions: [],
    viewerReaction: null,
    replyTo: null,
    threadId: null,
    replyCount: 0,
    deleted: false,
    deletedAt: null,
  };

  it("accepts an answer with a listed status and a body that matches its schema", () => {
    expect(() => contract.check("POST", "/comments/%2F2015%2Fchristmas", 201, comment)).not.toThrow();
    expect(() =>
      contract.check("GET", "/comments/x", 403, { error: { code: "FORBIDDEN", message: "No" } }),
    ).not.toThrow();
  });

  it("tells pages from JSON: the unsubscribe page is HTML, its POST and its errors JSON", () => {
    const page = '<!doctype html>\n<html><body><form method="post"></form></body></html>';
    expect(() => contract.check("GET", "/unsubscribe", 200, page, "text/html")).not.toThrow();
    expect(() => contract.check("GET", "/unsubscribe", 200, { page })).toThrow(/not the text\/html it lists/);
    expect(() => contract.check("GET", "/unsubscribe", 200, "plain words", "text/html")).toThrow(
      /not an HTML document/,
    );
    expect(() => contract.check("POST", "/unsubscribe", 200, { unsubscribed: "comments" })).not.toThrow();
    expect(() => contract.check("POST", "/unsubscribe", 200, page, "text/html")).toThrow(
      /with a page, which the contract does not list/,
    );
    expect(() =>
      contract.check("GET", "/unsubscribe", 400, { error: { code: "INVALID_INPUT", message: "No" } }),
    ).not.toThrow();
  });

  it("refuses a status the operation does not list", () => {
    expect(() => contract.check("POST", "/comments/x", 200, comment)).toThrow(ContractViolation);
    expect(() => contract.check("POST", "/comments/x", 200, comment)).toThrow(
      /createComment .* answered 200/,
    );
  });

  it("refuses a body with a field the contract does not have, or without one it requires", () => {
    expect(() => contract.check("POST", "/comments/x", 201, { ...comment, internal: 1 })).toThrow(
      /must NOT have additional properties/,
    );
    const { reactionCount: _, ...withoutCount } = comment;
    expect(() => contract.check("POST", "/comments/x", 201, withoutCount)).toThrow(/reactionCount/);
    expect(() => contract.check("POST", "/comments/x", 201, { ...comment, createdAt: "yesterday" })).toThrow(
      /date-time/,
    );
  });

  it("refuses an error body off the error shape or with a code the status does not carry", () => {
    expect(() => contract.check("GET", "/comments/x", 400, { message: "bad" })).toThrow(ContractViolation);
    expect(() =>
      contract.check("GET", "/comments/x", 400, { error: { code: "NOT_FOUND", message: "x" } }),
    ).toThrow(/allowed values/);
  });

  it("expects API Gateway's 403 for paths and methods that are no operation", () => {
    const missing = {
      error: { code: "MISSING_AUTHENTICATION_TOKEN", message: "Missing Authentication Token" },
    };
    expect(() => contract.check("GET", "/nowhere", 403, missing)).not.toThrow();
    expect(() => contract.check("PATCH", "/profile", 403, missing)).not.toThrow();
    expect(() => contract.check("GET", "/nowhere", 200, {})).toThrow(/no operation/);
  });
});
