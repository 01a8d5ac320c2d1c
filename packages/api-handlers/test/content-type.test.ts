import { describe, expect, it } from "vitest";
import { isJsonContentType } from "../src/http/request.js";
import { ROUTES, type RouteDefinition } from "../src/routes.js";
import { SAMPLE_PARAMETERS, saveProfile, users, useTestApi } from "./helpers.js";

const api = useTestApi("content-type");

/** What clients send instead of JSON; `null` is no Content-Type header at all. */
const NOT_JSON = [
  "text/plain",
  "text/plain; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----hearth",
  "application/xml",
  "text/json",
  "application/json-patch+json",
  "application/json; charset=iso-8859-1",
  null,
];

describe("isJsonContentType", () => {
  it("accepts application/json in any case, with or without a UTF-8 charset", () => {
    for (const value of [
      "application/json",
      "Application/JSON",
      "application/json; charset=utf-8",
      "application/json;charset=UTF-8",
      'application/json; charset="utf-8"',
      "application/json; charset=utf8",
      " application/json ",
    ]) {
      expect(isJsonContentType(value), value).toBe(true);
    }
  });

  it("refuses every other media type, other parameters and other charsets", () => {
    for (const value of [
      undefined,
      "",
      "application/jsonp",
      "application/json; boundary=x",
      "application/json, text/plain",
      ...NOT_JSON.filter((type) => type !== null),
    ]) {
      expect(isJsonContentType(value), String(value)).toBe(false);
    }
  });
});

describe.each(
  (ROUTES as readonly RouteDefinition[])
    .filter((route) => route.requestBody)
    .map((route) => [`${route.method} ${route.resource}`, route] as const),
)("%s, which takes a body,", (_, route) => {
  it("answers 415 UNSUPPORTED_MEDIA_TYPE to a JSON body sent as anything but application/json", async () => {
    for (const contentType of NOT_JSON) {
      const response = await api().call(route.method, route.resource, {
        pathParameters: SAMPLE_PARAMETERS,
        body: { commentText: "Sent as the wrong type" },
        contentType,
      });
      expect(response.status, String(contentType)).toBe(415);
      expect(response.body).toEqual({
        error: { code: "UNSUPPORTED_MEDIA_TYPE", message: expect.stringContaining("application/json") },
      });
    }
  });

  if (route.requestBody === "optional") {
    it("takes a request with no body and no Content-Type as one without a body, not a 415", async () => {
      const response = await api().call(route.method, route.resource, {
        pathParameters: SAMPLE_PARAMETERS,
        contentType: null,
      });
      // The sample comment does not exist: the route ran, past the content type check.
      expect(response.status).toBe(404);
    });
  } else {
    it("answers 415, not 400, when the body is missing as well", async () => {
      const response = await api().call(route.method, route.resource, {
        pathParameters: SAMPLE_PARAMETERS,
        contentType: null,
      });
      expect(response.status).toBe(415);
    });
  }
});

describe("the content type check", () => {
  it("stores nothing from a refused request", async () => {
    const { call } = api();
    await saveProfile(call, users.alice);
    const itemId = "/content-type/nothing-stored";
    for (const contentType of NOT_JSON) {
      const response = await call("POST", "/comments/{itemId}", {
        pathParameters: { itemId },
        body: { commentText: "Form-encoded and still JSON inside" },
        contentType,
      });
      expect(response.status).toBe(415);
    }
    const list = await call("GET", "/comments/{itemId}", { pathParameters: { itemId } });
    expect(list.body.comments).toEqual([]);
  });

  it("accepts the charset and casing clients send", async () => {
    const { call } = api();
    await saveProfile(call, users.alice);
    const response = await call("POST", "/comments/{itemId}", {
      pathParameters: { itemId: "/content-type/charset" },
      body: { commentText: "With a charset" },
      contentType: "Application/JSON; Charset=UTF-8",
    });
    expect(response.status).toBe(201);
  });

  it("is not applied to POST and PUT routes that take no body", async () => {
    const { call } = api();
    await saveProfile(call, users.alice);
    const comment = await call("POST", "/comments/{itemId}", {
      pathParameters: { itemId: "/content-type/bodiless" },
      body: { commentText: "React to me" },
    });
    const like = await call("POST", "/reactions/{commentId}", {
      pathParameters: { commentId: comment.body.commentId },
      contentType: null,
    });
    expect(like.status).toBe(200);
    expect(like.body.liked).toBe(true);
  });
});
