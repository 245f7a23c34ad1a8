import { changeRatio, scope3Category1LocationKg, scope3Category1MarketKg } from "./measures";
import type { Comparison, ReportContent } from "./types";

export type ComparisonLine = {
  title: string;
  comparison: Comparison;
  locationKg: number;
  marketKg: number;
  /** Change of the reported figure against this line (year to date: this year's against last year's). */
  change: number | null;
  changeNote: string;
  noData: boolean;
};

/** The comparisons as every format shows them: each with the change it supports. */
export function comparisonLines(content: ReportContent): ComparisonLine[] {
  const current = scope3Category1LocationKg(content.totals);
  const ytd = content.comparisons.find((c) => c.key === "year_to_date");
  return content.comparisons.map((comparison) => {
    const locationKg = scope3Category1LocationKg(comparison.measures);
    const noData = comparison.rollupRows === 0;
    let change: number | undefined;
    let changeNote = "";
    if (comparison.key === "previous_period" || comparison.key === "same_period_last_year") {
      change = noData ? undefined : changeRatio(current, locationKg);
      changeNote = `${content.period.label} against this`;
    } else if (comparison.key === "previous_year_to_date" && ytd) {
      change = noData
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
      changeNote,
      noData,
    };
  });
}
