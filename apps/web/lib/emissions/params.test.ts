import { describe, expect, it } from "vitest";
import {
  fullMonths,
  rangeProblems,
  resolveRange,
  searchParamsToObject,
  seriesQuerySchema,
} from "./params";

describe("emissions query parameters", () => {
  it("accepts repeated and comma-separated lists", () => {
    const params = new URLSearchParams(
      "provider=aws&provider=gcp&service=AmazonEC2,AmazonS3&granularity=day",
    );
    const query = seriesQuerySchema.parse(searchParamsToObject(params));
    expect(query.provider).toEqual(["aws", "gcp"]);
    expect(query.service).toEqual(["AmazonEC2", "AmazonS3"]);
    expect(query.granularity).toBe("day");
    expect(query.groupBy).toBe("provider");
  });

  it("names each invalid field", () => {
    const result = seriesQuerySchema.safeParse({
      from: "2025-02-30x",
      tag: "novalue",
      granularity: "week",
    });
    expect(result.success).toBe(false);
    expect([...new Set(result.error!.issues.map((i) => i.path.join(".")))]).toEqual([
      "from",
      "tag.0",
      "granularity",
    ]);
  });

  it("defaults to twelve whole months ending with the last day of data", () => {
    expect(resolveRange({}, "2025-03-17", "2026-01-01")).toEqual({
      from: "2024-04-01",
      to: "2025-03-17",
      days: 351,
    });
    expect(resolveRange({}, null, "2026-01-05").from).toBe("2025-02-01");
    expect(resolveRange({ from: "2025-01-01", to: "2025-01-14" }, null, "2026-01-01").days).toBe(
      14,
    );
  });

  it("allows hourly points up to 14 days and ranges up to 5 years", () => {
    expect(rangeProblems({ from: "2025-01-01", to: "2025-01-14", days: 14 }, "hour")).toBeNull();
    expect(
      rangeProblems({ from: "2025-01-01", to: "2025-01-15", days: 15 }, "hour")?.granularity,
    ).toBeTruthy();
    expect(rangeProblems({ from: "2025-01-02", to: "2025-01-01", days: 0 })?.to).toBeTruthy();
    expect(rangeProblems({ from: "2015-01-01", to: "2025-01-01", days: 3654 })?.from).toBeTruthy();
  });

  it("reads whole months from the monthly rollup and edges from the daily one", () => {
    expect(fullMonths({ from: "2025-01-15", to: "2025-04-10" }, "2026-01-01")).toEqual([
      "2025-02-01",
      "2025-03-01",
    ]);
    expect(fullMonths({ from: "2025-01-01", to: "2025-01-31" }, "2026-01-01")).toEqual([
      "2025-01-01",
    ]);
    // A range ending today or later: the current month has no later data, so it counts as whole.
    expect(fullMonths({ from: "2025-12-01", to: "2026-01-05" }, "2026-01-05")).toEqual([
      "2025-12-01",
      "2026-01-01",
    ]);
  });
});
