import { describe, expect, it } from "vitest";
import { finishRefusal } from "./lifecycle";

describe("finishRefusal", () => {
  it("lets a file-import-only account (no credentials) finish without a test", () => {
    expect(finishRefusal({ hasCredentials: false }, { status: null })).toBeNull();
    expect(finishRefusal({ hasCredentials: false }, { status: "failed" })).toBeNull();
  });
  it("lets an account with credentials finish only after a passing test", () => {
    expect(finishRefusal({ hasCredentials: true }, { status: "passed" })).toBeNull();
    expect(finishRefusal({ hasCredentials: true }, { status: null })?.code).toBe(
      "connection_not_tested",
    );
    expect(finishRefusal({ hasCredentials: true }, { status: "checking" })?.code).toBe(
      "connection_test_running",
    );
    const failed = finishRefusal(
      { hasCredentials: true },
      { status: "failed", message: "1 required permission failed: ce:GetCostAndUsage." },
    );
    expect(failed).toEqual({
      code: "connection_test_failed",
      message:
        "The last connection test failed: 1 required permission failed: ce:GetCostAndUsage. Fix it and test again on the Test connection step before finishing.",
    });
  });
});
