import { afterEach, describe, expect, it, vi } from "vitest";
import { assertJavaAvailable, JAVA_MISSING_MESSAGE } from "../src/testing/dynamodb-local.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("DynamoDB Local's Java check", () => {
  it("passes with the Java on this machine", () => {
    expect(() => assertJavaAvailable()).not.toThrow();
  });

  it("fails at once, saying what to install, when there is no java on PATH", () => {
    vi.stubEnv("PATH", "/nonexistent");
    expect(() => assertJavaAvailable()).toThrow(JAVA_MISSING_MESSAGE);
    expect(JAVA_MISSING_MESSAGE).toMatch(/Java 17/);
    expect(JAVA_MISSING_MESSAGE).toMatch(/apt-get install|brew install/);
  });
});
