import { describe, expect, it } from "vitest";
import { unsupportedReasons } from "@canopy/connectors";
import { lineCoverage, outOfScopeReasons, spendBasedReasons } from "@canopy/methodology";

describe("completeness of the connectors' cost-only lines", () => {
  it("decides every reason a connector gives a cost-only line: out of scope or spend-based, never silently", () => {
    for (const reason of unsupportedReasons) {
      const listed =
        Object.hasOwn(outOfScopeReasons, reason) || Object.hasOwn(spendBasedReasons, reason);
      expect(listed, `${reason} has no documented coverage`).toBe(true);
      const coverage = lineCoverage({ kind: "other", usageType: reason, service: "" });
      expect(coverage).toBe(
        Object.hasOwn(outOfScopeReasons, reason) ? "out-of-scope" : "spend-based",
      );
    }
  });
});
