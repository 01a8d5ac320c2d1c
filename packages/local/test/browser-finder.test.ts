import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findChromium, NO_BROWSER_MESSAGE } from "../e2e/browser.js";

describe("finding the browser for the browser test", () => {
  const bin = mkdtempSync(join(tmpdir(), "hearth-bin-"));
  const empty = mkdtempSync(join(tmpdir(), "hearth-empty-"));
  afterAll(() => {
    rmSync(bin, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it("takes HEARTH_CHROMIUM first, then the usual names on PATH", () => {
    writeFileSync(join(bin, "google-chrome"), "");
    expect(findChromium({ PATH: `${empty}:${bin}` }, [])).toBe(join(bin, "google-chrome"));
    writeFileSync(join(bin, "chromium"), "");
    expect(findChromium({ PATH: bin }, [])).toBe(join(bin, "chromium"));
    expect(findChromium({ PATH: bin, HEARTH_CHROMIUM: join(bin, "google-chrome") }, [])).toBe(
      join(bin, "google-chrome"),
    );
    expect(() => findChromium({ HEARTH_CHROMIUM: join(empty, "nope") }, [])).toThrow(/does not exist/);
  });

  it("fails with one line saying how to install one when there is none", () => {
    expect(() => findChromium({ PATH: empty }, [join(empty, "chromium")])).toThrow(NO_BROWSER_MESSAGE);
    expect(NO_BROWSER_MESSAGE).not.toContain("\n");
    expect(NO_BROWSER_MESSAGE).toMatch(/apt-get install chromium/);
  });
});
