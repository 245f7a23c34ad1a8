import type { TrendForecast } from "./trend-forecast";

/**
 * Reduction targets and carbon budgets (docs/methodology.md §19.3–19.4). Pure: the stores read the
 * emissions and call these, so the dashboard, the API and the report compute each figure once.
 */

export type ReductionTarget = {
  baseYear: number;
  targetYear: number;
  /** Reduction of the target year's emissions against the base year's, percent (0–100). */
  reductionPercent: number;
};

/**
 * SBTi's minimum ambition for a 1.5 °C-aligned near-term target: a linear annual reduction of 4.2 %
 * of base-year emissions (absolute contraction; SBTi Corporate Near-Term Criteria v5; docs/methodology.md §19.4).
 */
export const sbtiLinearAnnualReductionPercent = 4.2;

export function sbtiPresetReductionPercent(baseYear: number, targetYear: number): number {
  const years = targetYear - baseYear;
  if (!Number.isInteger(years) || years <= 0)
    throw new RangeError("The target year must come after the base year");
  return Math.min(100, Math.round(sbtiLinearAnnualReductionPercent * years * 10) / 10);
}

/**
 * Emissions allowed in `year` on the straight line from the base year's emissions to the target:
 * baseKg × (1 − r × (year − baseYear) ÷ (targetYear − baseYear)), held at the target after it.
 */
export function pathwayKg(target: ReductionTarget, baseYearKg: number, year: number): number {
  const span = target.targetYear - target.baseYear;
  const progress = Math.min(1, Math.max(0, (year - target.baseYear) / span));
  return baseYearKg * (1 - (target.reductionPercent / 100) * progress);
}

export type TargetProgress = {
  year: number;
  baseYearKg: number;
  /** Emissions allowed this year on the pathway. */
  pathwayKg: number;
  /** Emissions allowed in the target year. */
  targetKg: number;
  /** This year so far and forecast to year end (with its 95 % interval). */
  yearToDateKg: number;
  forecastKg: number;
  forecastLowKg: number;
  forecastHighKg: number;
  /** Reduction of the forecast against the base year, percent (negative: an increase). */
  forecastReductionPercent: number | null;
  /** Reduction the pathway asks for this year, percent. */
  requiredReductionPercent: number;
  /** on_track: the interval's high end is within the pathway; at_risk: only the central forecast is; off_track: not even that. */
  status: "on_track" | "at_risk" | "off_track" | "no_base_year_data";
};

export function targetProgress(
  target: ReductionTarget,
  baseYearKg: number,
  year: number,
  forecast: TrendForecast,
): TargetProgress {
  const allowed = pathwayKg(target, baseYearKg, year);
  const hasBase = baseYearKg > 0;
  const status = !hasBase
    ? "no_base_year_data"
    : forecast.highKg <= allowed
      ? "on_track"
      : forecast.forecastKg <= allowed
        ? "at_risk"
        : "off_track";
  return {
    year,
    baseYearKg,
    pathwayKg: allowed,
    targetKg: baseYearKg * (1 - target.reductionPercent / 100),
    yearToDateKg: forecast.actualKg,
    forecastKg: forecast.forecastKg,
    forecastLowKg: forecast.lowKg,
    forecastHighKg: forecast.highKg,
    forecastReductionPercent: hasBase ? (1 - forecast.forecastKg / baseYearKg) * 100 : null,
    requiredReductionPercent: hasBase ? (1 - allowed / baseYearKg) * 100 : 0,
    status,
  };
}

export type BudgetStatus = "within" | "forecast_over" | "over";

/** over: spent already; forecast_over: the forecast to period end passes the budget. */
export function budgetStatus(budgetKg: number, forecast: TrendForecast): BudgetStatus {
  if (forecast.actualKg > budgetKg) return "over";
  if (forecast.forecastKg > budgetKg) return "forecast_over";
  return "within";
}
