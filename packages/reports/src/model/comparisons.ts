import { changeRatio, scope3Category1LocationKg, scope3Category1MarketKg } from "./measures";
import type { Comparison, ReportContent } from "./types";

/**
 * A change is shown only when both spans have data on comparable numbers of days: the shorter must
 * have at least this share of the longer one's days with data (docs/methodology.md §21). Otherwise a year to date on 29 days against one on 334 reads as +1,386 %.
 */
export const comparableSpanShare = 0.9;

export type ComparisonLine = {
  title: string;
  comparison: Comparison;
  locationKg: number;
  marketKg: number;
  /** Change of the reported figure against this line (year to date: this year's against last year's); null when not comparable. */
  change: number | null;
  changeNote: string;
  noData: boolean;
  /** false when the two spans' days with data differ too much for a change to mean anything. */
  comparable: boolean;
  /** Why there is no change ("not comparable: …"); null when a change is shown or none applies. */
  notComparableReason: string | null;
};

type Span = { label: string; daysWithData: number; daysInPeriod: number };

/** null when the spans are comparable, else the reason, naming both spans' days with data. */
export function spanMismatch(reported: Span, against: Span): string | null {
  const longer = Math.max(reported.daysWithData, against.daysWithData);
  const shorter = Math.min(reported.daysWithData, against.daysWithData);
  if (longer === 0 || shorter >= comparableSpanShare * longer) return null;
  const days = (s: Span) => `${s.daysWithData} of ${s.daysInPeriod} days with data`;
  return `not comparable: ${against.label} has ${days(against)}, ${reported.label} ${days(reported)} (a change needs at least ${Math.round(comparableSpanShare * 100)} % of the other span's days)`;
}

/** The text every format shows in the change column: the change, "not comparable", or "–". */
export function comparisonChangeText(
  line: ComparisonLine,
  formatChange: (ratio: number | null) => string,
): string {
  return line.comparable ? formatChange(line.change) : "not comparable";
}

/** The comparisons as every format shows them: each with the change it supports. */
export function comparisonLines(content: ReportContent): ComparisonLine[] {
  const current = scope3Category1LocationKg(content.totals);
  const ytd = content.comparisons.find((c) => c.key === "year_to_date");
  const reported: Span = { label: content.period.label, ...content.dataDays };
  return content.comparisons.map((comparison) => {
    const locationKg = scope3Category1LocationKg(comparison.measures);
    const noData = comparison.rollupRows === 0;
    const against: Span = {
      label: comparison.period.label,
      daysWithData: comparison.daysWithData,
      daysInPeriod: comparison.daysInPeriod,
    };
    let change: number | undefined;
    let changeNote = "";
    let reason: string | null = null;
    if (comparison.key === "previous_period" || comparison.key === "same_period_last_year") {
      reason = noData ? null : spanMismatch(reported, against);
      change = noData || reason ? undefined : changeRatio(current, locationKg);
      changeNote = `${content.period.label} against this`;
    } else if (comparison.key === "previous_year_to_date" && ytd) {
      reason = noData
        ? null
        : spanMismatch(
            {
              label: ytd.period.label,
              daysWithData: ytd.daysWithData,
              daysInPeriod: ytd.daysInPeriod,
            },
            against,
          );
      change =
        noData || reason
          ? undefined
          : changeRatio(scope3Category1LocationKg(ytd.measures), locationKg);
      changeNote = "year to date against this";
    }
    return {
      title: comparison.title,
      comparison,
      locationKg,
      marketKg: scope3Category1MarketKg(comparison.measures),
      change: change ?? null,
      changeNote: reason ?? changeNote,
      noData,
      comparable: reason === null,
      notComparableReason: reason,
    };
  });
}
