import { describe, expect, it } from "vitest";
import { emailableAddress, emailStatusOf, normalizeEmailAddress } from "../src/rules/email.js";
import { useTestDatabase } from "./helpers.js";

const db = useTestDatabase("email-suppression");
const AT = "2026-12-01T10:00:00.000Z";

describe("the email rule", () => {
  it("emails the current address unless that very address is suppressed", () => {
    expect(emailableAddress({ email: "ann@example.com" })).toBe("ann@example.com");
    expect(
      emailableAddress({ email: "ann@example.com", suppressedEmail: "ann@example.com" }),
    ).toBeUndefined();
    expect(emailableAddress({ email: "ann@new.example", suppressedEmail: "ann@example.com" })).toBe(
      "ann@new.example",
    );
    expect(emailableAddress({})).toBeUndefined();
    expect(emailableAddress(undefined)).toBeUndefined();
    expect(emailStatusOf({ email: "Ann@Example.com", suppressedEmail: "ann@example.com" })).toBe(
      "suppressed",
    );
  });

  it("reads addresses the way SES reports them", () => {
    expect(normalizeEmailAddress("Ann@Example.COM")).toBe("ann@example.com");
    expect(normalizeEmailAddress('"Ann Hollis" <Ann@Example.com>')).toBe("ann@example.com");
    expect(normalizeEmailAddress("not an address")).toBeUndefined();
  });
});

describe("ProfilesRepository.suppressEmail", () => {
  it("suppresses the profile whose current email it is, once", async () => {
    const { profiles } = db().repositories;
    await profiles.upsert("ann", { displayName: "Ann" }, { email: "Ann@Example.com" });
    expect(await profiles.suppressEmail("ann@example.com", "bounce", AT)).toEqual({
      outcome: "suppressed",
      userId: "ann",
    });
    const suppressed = await profiles.get("ann");
    expect(suppressed).toMatchObject({
      suppressedEmail: "ann@example.com",
      suppressedAt: AT,
      suppressionReason: "bounce",
    });
    expect(emailStatusOf(suppressed!)).toBe("suppressed");
    // The same event again (or a later complaint about the same address) changes nothing.
    expect(
      (await profiles.suppressEmail("ann@example.com", "complaint", "2026-12-02T00:00:00.000Z")).outcome,
    ).toBe("unchanged");
    expect(await profiles.get("ann")).toEqual(suppressed);
  });

  it("is cleared by a new email from Cognito, and a stale event about the old one does nothing", async () => {
    const { profiles } = db().repositories;
    await profiles.upsert("bea", { displayName: "Bea" }, { email: "bea@old.example" });
    await profiles.suppressEmail("bea@old.example", "bounce", AT);
    const { profile: moved } = await profiles.ensureOnSignIn("bea", {
      email: "Bea@New.example",
      displayName: "Bea",
      isMember: true,
    });
    expect(emailStatusOf(moved)).toBe("active");
    expect(emailableAddress(moved)).toBe("bea@new.example");
    expect((await profiles.suppressEmail("bea@old.example", "bounce", AT)).outcome).toBe("unknown");
    expect(emailStatusOf((await profiles.get("bea"))!)).toBe("active");
  });

  it("knows no profile for an address nobody has", async () => {
    expect((await db().repositories.profiles.suppressEmail("ghost@example.com", "bounce", AT)).outcome).toBe(
      "unknown",
    );
  });
});
