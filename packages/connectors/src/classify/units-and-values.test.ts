import { describe, expect, it } from "vitest";
import { keyValueListOf, stringMapOf } from "./cell-values";
import { azureRegionCodeOf, splitAwsUsageType } from "./regions";
import { hoursInMonthOf, optionalTimestampMs } from "./timestamps";
import { gibHoursOf, gibOf, hoursOf, parseUnit, tbHoursOfGibHours } from "./units";

const nov1 = Date.UTC(2023, 10, 1);

describe("parseUnit and conversions", () => {
  it("applies Azure block multipliers", () => {
    expect(parseUnit("10 Hours")).toMatchObject({ dimension: "hours", multiplier: 10 });
    expect(hoursOf(2.4, parseUnit("10 Hours"), nov1)).toBeCloseTo(24);
    expect(parseUnit("100 GB/Month")).toMatchObject({ dimension: "gb-months", multiplier: 100 });
    expect(gibHoursOf(0.5, parseUnit("100 GB/Month"), nov1)).toBeCloseTo(0.5 * 100 * 720);
    expect(parseUnit("10K")).toMatchObject({ dimension: "count", multiplier: 10_000 });
    expect(parseUnit("1/Month")).toMatchObject({ dimension: "months", multiplier: 1 });
    expect(parseUnit("1 TB")).toMatchObject({ dimension: "tb", multiplier: 1 });
  });

  it("reads GB-months with the hours of the usage month", () => {
    expect(gibHoursOf(1, parseUnit("GB-Mo"), nov1)).toBe(720);
    expect(gibHoursOf(1, parseUnit("GB-Months"), Date.UTC(2024, 1, 10))).toBe(696); // leap February
    expect(gibHoursOf(1, parseUnit("gibibyte month"), Date.UTC(2023, 9, 3))).toBe(744);
  });

  it("converts GCP byte units as gibibytes", () => {
    expect(gibHoursOf(2 ** 30 * 3600, parseUnit("byte-seconds"), nov1)).toBe(1);
    expect(gibOf(2 ** 31, parseUnit("bytes"))).toBe(2);
    expect(gibHoursOf(7200, parseUnit("Lambda-GB-Second"), nov1)).toBe(2);
  });

  it("turns billed GiB into the decimal TB the storage coefficients are per (not ÷ 1024)", () => {
    // 1 GiB-hour = 2^30 bytes for an hour = 0.001073741824 decimal TB-hours
    expect(tbHoursOfGibHours(1)).toBe(2 ** 30 / 1e12);
    expect(tbHoursOfGibHours(gibHoursOf(1, parseUnit("GB-Mo"), nov1) ?? 0)).toBeCloseTo((720 * 2 ** 30) / 1e12, 15);
    // a TiB-month is 1024 GiB-months
    expect(gibHoursOf(1, parseUnit("1 TB/Month"), nov1)).toBe(1024 * 720);
  });

  it("reads AWS 'Mo' as months and leaves unknown spellings unknown", () => {
    expect(parseUnit("Mo").dimension).toBe("months");
    expect(parseUnit("1/Hour")).toMatchObject({ dimension: "hours", multiplier: 1 });
    expect(parseUnit("IOPS-Mo").dimension).toBe("unknown");
    expect(parseUnit("ConfigurationItemRecorded").dimension).toBe("unknown");
  });

  it("knows month lengths", () => {
    expect(hoursInMonthOf(Date.UTC(2023, 1, 28, 23))).toBe(672);
    expect(hoursInMonthOf(Date.UTC(2023, 11, 31))).toBe(744);
  });
});

describe("timestamps", () => {
  it.each([
    ["2023-11-01T00:00:00.000Z", Date.UTC(2023, 10, 1)],
    ["2024-01-01T00:00Z", Date.UTC(2024, 0, 1)],
    ["2024-09-18 22:00:00", Date.UTC(2024, 8, 18, 22)],
    ["2020-10-01 20:00:00+00:00", Date.UTC(2020, 9, 1, 20)],
    ["2020-11-10 05:49:32.199000+00:00", Date.UTC(2020, 10, 10, 5, 49, 32, 199)],
    ["2020-10-01 20:00:00 UTC", Date.UTC(2020, 9, 1, 20)],
    ["2026-05-01T02:00:00+02:00", Date.UTC(2026, 4, 1)],
    ["09/21/2023", Date.UTC(2023, 8, 21)],
    ["9/2/2023", Date.UTC(2023, 8, 2)],
    ["20260501", Date.UTC(2026, 4, 1)],
  ])("reads %s", (text, expected) => {
    expect(optionalTimestampMs(text, "Date")).toBe(expected);
  });

  it("rejects impossible dates with the column name", () => {
    expect(() => optionalTimestampMs("21/09/2023", "Date")).toThrow(/Date is not a date/);
    expect(() => optionalTimestampMs("2023-02-31", "Date")).toThrow(/not a date/);
  });
});

describe("regions", () => {
  it("splits AWS usage-type prefixes", () => {
    expect(splitAwsUsageType("EUW2-BoxUsage:m5.large")).toEqual({ region: "eu-west-2", base: "BoxUsage:m5.large" });
    expect(splitAwsUsageType("USE1-USW2-AWS-Out-Bytes")).toEqual({ region: "us-east-1", peerRegion: "us-west-2", base: "AWS-Out-Bytes" });
    expect(splitAwsUsageType("ca-central-1-KMS-Keys")).toEqual({ region: "ca-central-1", base: "KMS-Keys" });
    expect(splitAwsUsageType("BoxUsage:t3.micro")).toEqual({ base: "BoxUsage:t3.micro" });
  });

  it("normalizes Azure locations", () => {
    expect(azureRegionCodeOf("US East")).toBe("eastus");
    expect(azureRegionCodeOf("EastUS2")).toBe("eastus2");
    expect(azureRegionCodeOf("West Europe")).toBe("westeurope");
    expect(azureRegionCodeOf("All Regions")).toBeUndefined();
  });
});

describe("cell values", () => {
  it("reads GCP key/value lists in every spelling", () => {
    const python =
      "[{'key': 'compute.googleapis.com/cores', 'value': '2'}, {'key': 'compute.googleapis.com/machine_spec', 'value': 'e2-medium'}]";
    expect(keyValueListOf(python)).toEqual({ "compute.googleapis.com/cores": "2", "compute.googleapis.com/machine_spec": "e2-medium" });
    expect(keyValueListOf('[{"key":"team","value":"search"}]')).toEqual({ team: "search" });
    expect(keyValueListOf([{ key: "team", value: "web" }])).toEqual({ team: "web" });
    expect(keyValueListOf("[]")).toBeUndefined();
  });

  it("reads Azure tags with and without braces", () => {
    expect(stringMapOf('"env": "prod","org": "trey"')).toEqual({ env: "prod", org: "trey" });
    expect(stringMapOf('{"team":"search"}')).toEqual({ team: "search" });
  });
});
