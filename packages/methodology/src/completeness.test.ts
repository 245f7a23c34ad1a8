import { describe, expect, it } from "vitest";
import {
  lineCoverage,
  outOfScopeReasons,
  spendCategoryOf,
  spendFactors,
  spendKgCo2ePerCurrencyUnit,
} from "./completeness";

// Real billing lines as the connectors store them (usage_type, service of kind "other" rows).
const tax = { kind: "other", usageType: "tax", service: "AmazonS3" }; // CUR lineItem/LineItemType Tax
const ingress = { kind: "other", usageType: "USE1-DataTransfer-In-Bytes", service: "AmazonS3" };
const requests = { kind: "other", usageType: "USE1-Requests-Tier1", service: "AmazonS3" };
const sqs = { kind: "other", usageType: "USE1-Requests-RBP", service: "AWSQueueService" };
const storage = { kind: "storage", usageType: "USE1-TimedStorage-ByteHrs", service: "AmazonS3" };

describe("completeness: every line is estimated, spend-based or out of scope", () => {
  it("usage with an energy model is estimated, whatever its usage type", () => {
    expect(lineCoverage(storage)).toBe("estimated");
    expect(lineCoverage({ ...storage, usageType: "tax" })).toBe("estimated");
  });

  it("tax, credits, fees, support and marketplace are out of scope", () => {
    expect(lineCoverage(tax)).toBe("out-of-scope");
    for (const reason of ["credit", "refund", "fee", "support", "marketplace", "software-license"])
      expect(lineCoverage({ ...tax, usageType: reason }), reason).toBe("out-of-scope");
    expect(spendKgCo2ePerCurrencyUnit(tax, "USD")).toBeUndefined();
  });

  it("usage without an energy model is spend-based, by service category", () => {
    expect(lineCoverage(requests)).toBe("spend-based");
    expect(lineCoverage({ ...tax, usageType: "provider-not-supported" })).toBe("spend-based");
    expect(spendCategoryOf(requests)).toBe("data-processing-hosting");
    expect(spendCategoryOf(sqs)).toBe("data-processing-hosting");
    expect(spendCategoryOf(ingress)).toBe("telecommunications");
    expect(spendCategoryOf({ ...tax, usageType: "internet-egress" })).toBe("telecommunications");
    expect(spendCategoryOf({ ...tax, usageType: "cdn-delivery" })).toBe("telecommunications");
    expect(spendCategoryOf({ ...requests, service: "Amazon CloudFront" })).toBe(
      "telecommunications",
    );
    expect(spendKgCo2ePerCurrencyUnit(requests, "USD")).toBe(
      spendFactors["data-processing-hosting"].kgCo2ePerUsd,
    );
    expect(spendKgCo2ePerCurrencyUnit(ingress, "USD")).toBe(
      spendFactors.telecommunications.kgCo2ePerUsd,
    );
  });

  it("converts USD only: other currencies stay not modelled", () => {
    expect(spendKgCo2ePerCurrencyUnit(requests, "EUR")).toBeUndefined();
    expect(spendKgCo2ePerCurrencyUnit(requests, null)).toBeUndefined();
  });

  it("cites a source with its edition and currency year for every factor", () => {
    for (const factor of Object.values(spendFactors)) {
      expect(factor.source).toMatch(/v1\.2/);
      expect(factor.source).toMatch(/2021 USD/);
      expect(factor.kgCo2ePerUsd).toBeGreaterThan(0);
    }
    for (const why of Object.values(outOfScopeReasons)) expect(why.length).toBeGreaterThan(10);
  });
});
