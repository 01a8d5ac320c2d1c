import { describe, expect, it } from "vitest";
import { attachmentDisposition } from "../src/downloads.js";
import { createPhotoUrls, isOwnPhotoKey, PHOTO_URL_WINDOW_SECONDS } from "../src/photos.js";
import { createObjectUrlSigner } from "../src/storage-dependencies.js";

/** A signer of a local endpoint nothing listens on: presigning makes no call. */
function testObjectUrlSigner() {
  return createObjectUrlSigner({
    stage: "test",
    bucket: "hearth-test-files",
    region: "eu-west-1",
    endpoint: "http://127.0.0.1:9",
    accessKeyId: "test-access-key",
    secretAccessKey: "test-secret-key",
  });
}

const KEY = "profile-photos/user-bob/01JZZZZZZZZZZZZZZZZZZZZZZZ.jpg";

describe("served profile photos", () => {
  it("serve an uploaded key as a presigned GET that stays the same within a window (cacheable)", async () => {
    let now = new Date("2026-12-01T10:00:10Z");
    const photos = createPhotoUrls(testObjectUrlSigner(), () => now);
    const first = await photos.serve(KEY);
    now = new Date("2026-12-01T10:14:59Z");
    expect(await photos.serve(KEY)).toBe(first);
    now = new Date("2026-12-01T10:15:00Z");
    const next = await photos.serve(KEY);
    expect(next).not.toBe(first);
    const url = new URL(next ?? "");
    expect(url.searchParams.get("X-Amz-Date")).toBe("20261201T101500Z");
    // Valid two windows from its signing time: at least one full window after it is handed out.
    expect(url.searchParams.get("X-Amz-Expires")).toBe(String(2 * PHOTO_URL_WINDOW_SECONDS));
  });

  it("serve an external URL as it is only on an allowed photo host, and no photo as null", async () => {
    const photos = createPhotoUrls(testObjectUrlSigner(), undefined, ["photos.example.org"]);
    expect(await photos.serve("https://photos.example.org/a.jpg")).toBe("https://photos.example.org/a.jpg");
    expect(await photos.serve("https://PHOTOS.example.org/b.jpg")).toBe("https://PHOTOS.example.org/b.jpg");
    // Linked before hosts were limited, or on a look-alike host: no photo.
    expect(await photos.serve("https://tracker.example.net/pixel.gif")).toBeNull();
    expect(await photos.serve("https://photos.example.org.evil.example/a.jpg")).toBeNull();
    expect(await photos.serve("http://photos.example.org/a.jpg")).toBeNull();
    expect(await photos.serve(null)).toBeNull();
    expect(await photos.serve(undefined)).toBeNull();
  });

  it("serve no external URL at all by default (no photo hosts)", async () => {
    const photos = createPhotoUrls(testObjectUrlSigner());
    expect(photos.accepts("https://photos.example.org/a.jpg")).toBe(false);
    expect(await photos.serve("https://photos.example.org/a.jpg")).toBeNull();
    expect(await photos.serve(KEY)).toMatch(/^http/);
  });

  it("accept as the caller's own only keys of the form POST /profile/photo issues", () => {
    expect(isOwnPhotoKey("user-bob", KEY)).toBe(true);
    expect(isOwnPhotoKey("user-alice", KEY)).toBe(false);
    for (const key of [
      "profile-photos/user-bob/01JZZZZZZZZZZZZZZZZZZZZZZZ.gif",
      "profile-photos/user-bob/../01JZZZZZZZZZZZZZZZZZZZZZZZ.jpg",
      "profile-photos/user-bob/x/01JZZZZZZZZZZZZZZZZZZZZZZZ.jpg",
      "profile-photos/user-bob-2/01JZZZZZZZZZZZZZZZZZZZZZZZ.jpg",
    ]) {
      expect(isOwnPhotoKey("user-bob", key), key).toBe(false);
    }
  });
});

describe("attachmentDisposition", () => {
  it.each([
    ["plain.pdf", "attachment; filename=\"plain.pdf\"; filename*=UTF-8''plain.pdf"],
    [
      'Zoë\'s "menu"; 1.txt',
      "attachment; filename=\"Zoe's _menu_; 1.txt\"; filename*=UTF-8''Zo%C3%AB%27s%20%22menu%22%3B%201.txt",
    ],
    [
      "a\r\nSet-Cookie: x.txt",
      "attachment; filename=\"a__Set-Cookie: x.txt\"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x.txt",
    ],
    ["日本.jpg", "attachment; filename=\"__.jpg\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.jpg"],
  ])("keeps %j whole in filename* and safe in the ASCII fallback", (filename, expected) => {
    expect(attachmentDisposition(filename)).toBe(expected);
  });
});
