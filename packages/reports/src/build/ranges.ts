import { monthsBetween, shiftPeriod, type ReportPeriod } from "../period";
import type { Comparison } from "../model/types";

export type ComparisonRange = {
  key: Comparison["key"];
  title: string;
  start: string;
  end: string;
  label: string;
};

/** The months a report reads from the rollups: the period, its comparisons and the trend chart. */
export type ReportRanges = {
  comparisons: ComparisonRange[];
  trend: { start: string; end: string };
  monthly: { start: string; end: string };
};

export function reportRanges(period: ReportPeriod): ReportRanges {
  const comparisons: ComparisonRange[] = [];
  const previous = shiftPeriod(period, { periods: -1 });
  const previousTitle =
    period.kind === "month"
      ? "Previous month"
      : period.kind === "quarter"
        ? "Previous quarter"
        : "Previous year";
  comparisons.push({ key: "previous_period", title: previousTitle, ...previous });
  if (period.kind !== "year") {
    const lastYear = shiftPeriod(period, { years: -1 });
    const title = period.kind === "month" ? "Same month last year" : "Same quarter last year";
    comparisons.push({ key: "same_period_last_year", title, ...lastYear });
    const yearStart = `${period.start.slice(0, 4)}-01-01`;
    const ytdLabel = `Year to date (${yearStart.slice(0, 4)}, to ${period.label})`;
    comparisons.push({
      key: "year_to_date",
      title: "Year to date",
      start: yearStart,
      end: period.end,
      label: ytdLabel,
    });
    const previousYearStart = `${Number(period.start.slice(0, 4)) - 1}-01-01`;
    comparisons.push({
      key: "previous_year_to_date",
      title: "Previous year to date",
      start: previousYearStart,
      end: lastYear.end,
      label: `Year to date (${previousYearStart.slice(0, 4)}, to ${lastYear.label})`,
    });
  }
  const months = monthsBetween(period.start, period.end).length;
  const trendStart = months >= 12 ? period.start : shiftMonthStart(period.end, -13);
  const starts = [period.start, trendStart, ...comparisons.map((c) => c.start)].sort();
  return {
    comparisons,
    trend: { start: trendStart, end: period.end },
    monthly: { start: starts[0]!, end: period.end },
  };
}

function shiftMonthStart(day: string, months: number): string {
  const [year, month] = day.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, month - 1 + months, 1)).toISOString().slice(0, 10);
}
