import { describe, expect, it } from "vitest";
import {
  InvalidPeriodError,
  monthsBetween,
  parsePeriod,
  periodChoices,
  periodFromBounds,
  periodKey,
  previousMonth,
  shiftPeriod,
} from "./period";
import { reportRanges } from "./build/ranges";

describe("periods", () => {
  it("parses months, quarters and years as [start, end) in UTC", () => {
    expect(parsePeriod("2026-03")).toEqual({
      kind: "month",
      start: "2026-03-01",
      end: "2026-04-01",
      label: "March 2026",
    });
    expect(parsePeriod("2025-12")).toMatchObject({ start: "2025-12-01", end: "2026-01-01" });
    expect(parsePeriod("2026-q2")).toEqual({
      kind: "quarter",
      start: "2026-04-01",
      end: "2026-07-01",
      label: "Q2 2026",
    });
    expect(parsePeriod("2025")).toEqual({
      kind: "year",
      start: "2025-01-01",
      end: "2026-01-01",
      label: "2025",
    });
    expect(() => parsePeriod("2026-13")).toThrow(InvalidPeriodError);
    expect(() => parsePeriod("March")).toThrow(/expected YYYY-MM/);
  });

  it("round-trips through keys and stored bounds, and shifts", () => {
    for (const text of ["2026-01", "2026-Q4", "2024"]) {
      const period = parsePeriod(text);
      expect(periodKey(period)).toBe(text);
      expect(periodFromBounds(period.start, period.end)).toEqual(period);
    }
    expect(shiftPeriod(parsePeriod("2026-01"), { periods: -1 }).label).toBe("December 2025");
    expect(shiftPeriod(parsePeriod("2026-Q1"), { years: -1 }).label).toBe("Q1 2025");
    expect(previousMonth(new Date("2026-01-05T00:00:00Z")).label).toBe("December 2025");
    expect(monthsBetween("2025-11-01", "2026-02-01")).toEqual([
      "2025-11-01",
      "2025-12-01",
      "2026-01-01",
    ]);
  });

  it("reads the comparisons and 13 months of trend for a month", () => {
    const ranges = reportRanges(parsePeriod("2026-03"));
    expect(ranges.comparisons.map((c) => [c.key, c.start, c.end])).toEqual([
      ["previous_period", "2026-02-01", "2026-03-01"],
      ["same_period_last_year", "2025-03-01", "2025-04-01"],
      ["year_to_date", "2026-01-01", "2026-04-01"],
      ["previous_year_to_date", "2025-01-01", "2025-04-01"],
    ]);
    expect(ranges.trend).toEqual({ start: "2025-03-01", end: "2026-04-01" });
    expect(ranges.monthly).toEqual({ start: "2025-01-01", end: "2026-04-01" });
    expect(reportRanges(parsePeriod("2025")).comparisons.map((c) => c.key)).toEqual([
      "previous_period",
    ]);
  });
});

describe("periodChoices", () => {
  it("offers every quarter and year back to the first month with data, newest first", () => {
    const choices = periodChoices(
      { firstMonth: "2018-02-01", lastMonth: "2026-11-01" },
      new Date("2026-12-06T10:00:00Z"),
    );
    expect(choices.firstMonth).toBe("2018-02");
    expect(choices.lastMonth).toBe("2026-11");
    expect(choices.defaultMonth).toBe("2026-11");
    expect(choices.quarters[0]).toBe("2026-Q4");
    expect(choices.quarters.at(-1)).toBe("2018-Q1");
    expect(choices.quarters).toHaveLength(9 * 4);
    expect(choices.quarters).toContain("2019-Q3");
    expect(choices.years).toEqual([
      "2026",
      "2025",
      "2024",
      "2023",
      "2022",
      "2021",
      "2020",
      "2019",
      "2018",
    ]);
  });

  it("opens on the last month with data when the data ends before last month", () => {
    const choices = periodChoices(
      { firstMonth: "2024-05-01", lastMonth: "2025-03-01" },
      new Date("2026-12-06T10:00:00Z"),
    );
    expect(choices.defaultMonth).toBe("2025-03");
    expect(choices.lastMonth).toBe("2026-11");
    expect(choices.quarters.at(-1)).toBe("2024-Q2");
    expect(choices.years.at(-1)).toBe("2024");
  });

  it("without data offers last month only", () => {
    const choices = periodChoices(null, new Date("2026-01-15T00:00:00Z"));
    expect(choices).toEqual({
      defaultMonth: "2025-12",
      firstMonth: "2025-12",
      lastMonth: "2025-12",
      quarters: ["2025-Q4"],
      years: ["2025"],
    });
  });
});
