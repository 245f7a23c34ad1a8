import { describe, expect, it } from "vitest";
import { CsvSplitter, type CsvCell } from "../files/csv-splitter";
import { MAX_COST_MAGNITUDE, optionalNumberOf } from "./cell-values";
import { createCurClassifier } from "./aws-cur";
import { createClassifier } from "./detect-format";
import { optionalTimestampMs, TimestampOutOfWindowError, usageTimeWindow } from "./timestamps";

const curHeader = [
  "lineItem/UsageAccountId",
  "lineItem/LineItemType",
  "lineItem/UsageStartDate",
  "lineItem/UsageEndDate",
  "lineItem/ProductCode",
  "lineItem/UsageType",
  "lineItem/UsageAmount",
  "lineItem/UnblendedCost",
  "lineItem/CurrencyCode",
  "product/region",
  "product/instanceType",
  "pricing/unit",
];
const line = (overrides: Record<string, string> = {}) => ({
  "lineItem/UsageAccountId": "210987654321",
  "lineItem/LineItemType": "Usage",
  "lineItem/UsageStartDate": "2023-11-01T00:00:00.000Z",
  "lineItem/UsageEndDate": "2023-11-01T01:00:00.000Z",
  "lineItem/ProductCode": "AmazonEC2",
  "lineItem/UsageType": "BoxUsage:m5.large",
  "lineItem/UsageAmount": "1",
  "lineItem/UnblendedCost": "0.096",
  "lineItem/CurrencyCode": "USD",
  "product/region": "us-east-1",
  "product/instanceType": "m5.large",
  "pricing/unit": "Hrs",
  ...overrides,
});

describe("numbers", () => {
  it("accepts plain decimals only, within the bound", () => {
    expect(optionalNumberOf("1.5", "q")).toBe(1.5);
    expect(optionalNumberOf("-2e3", "q")).toBe(-2000);
    expect(optionalNumberOf(".5", "q")).toBe(0.5);
    expect(optionalNumberOf("3958241859993600", "q")).toBe(3958241859993600); // GCP byte-seconds
    for (const bad of ["0x10", "0b11", "0o7", "Infinity", "-Infinity", "NaN", "1e308", "1_000", "1,5"]) {
      expect(() => optionalNumberOf(bad, "q"), bad).toThrow(/q is (not a number|not a finite number|out of range)/);
    }
    expect(() => optionalNumberOf(Number.POSITIVE_INFINITY, "q")).toThrow(/not a finite number/);
    expect(() => optionalNumberOf(1e308, "q")).toThrow(/out of range/);
    expect(() => optionalNumberOf(10n ** 30n, "q")).toThrow(/out of range/);
    expect(() => optionalNumberOf("2e15", "cost", MAX_COST_MAGNITUDE)).toThrow(/cost is out of range: 2e15/);
  });

  it("the CSV splitter's numeric fast path leaves hex and huge values as text for the classifier", () => {
    const rows: Record<string, CsvCell>[] = [];
    const splitter = new CsvSplitter((row) => rows.push(row), { numericColumns: new Set(["n"]) });
    splitter.push(Buffer.from("n\n0x10\n1e308\n999999999999999e5\n12.5\n"));
    splitter.end();
    expect(rows.map((row) => row["n"])).toEqual(["0x10", "1e308", "999999999999999e5", 12.5]);
  });

  it("CUR quantities and costs in hex, Infinity or 1e308 are row errors, as text or as numbers (Parquet)", () => {
    const cur = createCurClassifier(curHeader);
    expect(cur.classify(line({ "lineItem/UsageAmount": "0x10" }), 2)).toEqual({ status: "error", message: 'lineItem/UsageAmount is not a number: "0x10"' });
    expect(cur.classify(line({ "lineItem/UsageAmount": "1e308" }), 2)).toMatchObject({ status: "error", message: expect.stringMatching(/UsageAmount is out of range/) });
    expect(cur.classify(line({ "lineItem/UnblendedCost": "Infinity" }), 2)).toMatchObject({ status: "error" });
    expect(cur.classify({ ...line(), "lineItem/UsageAmount": 1e308 } as never, 2)).toMatchObject({ status: "error" });
    expect(cur.classify({ ...line(), "lineItem/UnblendedCost": 5e15 } as never, 2)).toMatchObject({ status: "error", message: expect.stringMatching(/UnblendedCost is out of range/) });
    expect(cur.classify(line(), 2)).toMatchObject({ status: "usage" });
  });

  it("usage-record files refuse hex and 1e308 too", () => {
    const header = ["provider", "accountId", "periodStart", "periodHours", "service", "region", "kind", "quantity", "unit", "costAmount"];
    const usage = createClassifier("usage", header);
    const row = { provider: "aws", accountId: "210987654321", periodStart: "2024-01-01T00:00:00Z", periodHours: "1", service: "AmazonEC2", region: "us-east-1", kind: "compute", quantity: "2", unit: "vcpu-hours", costAmount: "1" };
    expect(usage.classify(row, 2)).toMatchObject({ status: "usage" });
    expect(usage.classify({ ...row, quantity: "0x10" }, 2)).toMatchObject({ status: "error", message: 'quantity is not a number: "0x10"' });
    expect(usage.classify({ ...row, costAmount: "1e308" }, 2)).toMatchObject({ status: "error" });
    expect(usage.classify({ ...row, periodStart: "1900-01-01T00:00:00Z" }, 2)).toMatchObject({ status: "error", message: expect.stringMatching(/outside the plausible usage window/) });
    expect(usage.classify({ ...row, periodHours: "1e9" }, 2)).toMatchObject({ status: "error", message: expect.stringMatching(/periodStart \+ periodHours/) });
  });
});

describe("the plausible time window", () => {
  const window = usageTimeWindow({ earliest: "2006-01-01T00:00:00Z", latestDays: 40, now: Date.UTC(2026, 0, 1) });

  it("reads dates inside it and refuses dates outside, whatever the cell type", () => {
    expect(optionalTimestampMs("2025-06-01T00:00:00Z", "t", window)).toBe(Date.UTC(2025, 5, 1));
    expect(() => optionalTimestampMs("1900-01-01T00:00:00Z", "t", window)).toThrow(TimestampOutOfWindowError);
    expect(() => optionalTimestampMs("2999-12-31", "t", window)).toThrow(/t 2999-12-31T00:00:00.000Z is outside the plausible usage window 2006-01-01 to 2026-02-10/);
    expect(() => optionalTimestampMs(new Date(Date.UTC(1900, 0, 1)), "t", window)).toThrow(TimestampOutOfWindowError);
    expect(() => optionalTimestampMs(29991231, "t", window)).toThrow(TimestampOutOfWindowError);
    expect(() => optionalTimestampMs(Number.POSITIVE_INFINITY, "t", window)).toThrow(/not a date/);
    // Without a window (other callers) the parse is unchanged.
    expect(optionalTimestampMs("1900-01-01", "t")).toBe(Date.UTC(1900, 0, 1));
  });

  it("a CUR line dated 1900 is a row error, also a cost-only line (not a record-less cost line)", () => {
    const cur = createCurClassifier(curHeader, { timeWindow: window });
    expect(cur.classify(line({ "lineItem/UsageStartDate": "1900-01-01T00:00:00Z" }), 3)).toMatchObject({ status: "error", message: expect.stringMatching(/UsageStartDate 1900/) });
    expect(cur.classify(line({ "lineItem/UsageEndDate": "2999-01-01T00:00:00Z" }), 3)).toMatchObject({ status: "error", message: expect.stringMatching(/UsageEndDate 2999/) });
    expect(cur.classify(line({ "lineItem/LineItemType": "Tax", "lineItem/UsageStartDate": "1900-01-01T00:00:00Z" }), 3)).toMatchObject({ status: "error" });
    // The default window (2006 to now + 40 days) applies when none is given: live syncs get it too.
    expect(createCurClassifier(curHeader).classify(line({ "lineItem/UsageStartDate": "2999-01-01T00:00:00Z", "lineItem/UsageEndDate": "" }), 3)).toMatchObject({ status: "error" });
  });

  it("applies in every format", () => {
    const gcp = createClassifier("gcp", ["billing_account_id", "project.id", "service.description", "sku.description", "usage_start_time", "usage_end_time", "location.region", "usage.amount", "usage.unit", "cost", "currency"], { timeWindow: window });
    expect(gcp.classify({ billing_account_id: "0A1B2C-3D4E5F-6A7B8C", "project.id": "p", "service.description": "Compute Engine", "sku.description": "N1 Predefined Instance Core running in Americas", usage_start_time: "1900-01-01 00:00:00 UTC", usage_end_time: "1900-01-01 01:00:00 UTC", "location.region": "us-central1", "usage.amount": "3600", "usage.unit": "seconds", cost: "1", currency: "USD" }, 2)).toMatchObject({ status: "error", message: expect.stringMatching(/usage_start_time 1900/) });
  });
});
