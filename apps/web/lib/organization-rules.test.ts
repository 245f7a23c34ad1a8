import { describe, expect, it } from "vitest";
import { checkOrganizationName, checkOrganizationSlug, slugify } from "./organization-rules";

describe("organization rules", () => {
  it("accepts slugs of 2–48 a–z, 0–9 and single hyphens only", () => {
    for (const ok of ["ab", "acme-corp", "a1-b2-c3", "x".repeat(48)])
      expect(checkOrganizationSlug(ok).ok, ok).toBe(true);
    for (const bad of ["org-😀", "a", "-ab", "ab-", "a--b", "Ab", "a b", "a_b", "x".repeat(49), 7])
      expect(checkOrganizationSlug(bad).ok, String(bad)).toBe(false);
  });

  it("trims names, allows any language, refuses blank, over 100 characters and control characters", () => {
    expect(checkOrganizationName("  Café 😀  ")).toEqual({ ok: true, value: "Café 😀" });
    expect(checkOrganizationName("😀".repeat(100)).ok).toBe(true);
    for (const bad of ["", "  ", "x".repeat(101), "a\u0000b", "a\u009fb", "\ud800", null])
      expect(checkOrganizationName(bad).ok, JSON.stringify(bad)).toBe(false);
  });

  it("suggests a valid slug from a name", () => {
    expect(slugify("Acme Corp!")).toBe("acme-corp");
    expect(slugify("Société Générale")).toBe("societe-generale");
    expect(checkOrganizationSlug(slugify(`${"a".repeat(47)} b`)).ok).toBe(true);
  });
});
