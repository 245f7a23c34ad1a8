/**
 * Linear-trend forecast of a daily series (docs/methodology.md §19.2): ordinary least squares of the
 * daily values on the day index, extrapolated over the days left, with the 95 % prediction interval
 * of the sum of those days. Used by budgets (the period so far → period end) and targets (the year
 * so far → year end), so both forecasts are one definition.
 */

export type TrendForecast = {
  /** Sum of the observed days. */
  actualKg: number;
  /** Sum of the predicted remaining days (each clamped at 0). */
  remainingKg: number;
  /** actualKg + remainingKg. */
  forecastKg: number;
  /** 95 % prediction interval of forecastKg (low clamped at actualKg). */
  lowKg: number;
  highKg: number;
  /** Fitted change per day, kg per day per day (0 when too few days for a trend). */
  slopeKgPerDay: number;
  /** "linear" with ≥ minTrendDays observed days, else "flat" (mean daily rate), "none" without data. */
  method: "linear" | "flat" | "none";
};

/** Below a week, a slope mostly fits the weekday pattern; the mean daily rate is used instead. */
export const minTrendDays = 7;
const Z_95 = 1.959964;

/**
 * `observedKg[i]` is day i of the period (0-based, no gaps: a day without data is 0 kg, since the
 * rollups hold every day with usage); `remainingDays` days follow.
 */
export function forecastLinearTrend(
  observedKg: readonly number[],
  remainingDays: number,
): TrendForecast {
  const n = observedKg.length;
  const actualKg = observedKg.reduce((sum, v) => sum + v, 0);
  const h = Math.max(0, Math.floor(remainingDays));
  if (n === 0) {
    return {
      actualKg: 0,
      remainingKg: 0,
      forecastKg: 0,
      lowKg: 0,
      highKg: 0,
      slopeKgPerDay: 0,
      method: "none",
    };
  }
  const meanY = actualKg / n;
  if (n < minTrendDays) {
    const sd =
      n > 1 ? Math.sqrt(observedKg.reduce((s, v) => s + (v - meanY) ** 2, 0) / (n - 1)) : 0;
    // Sum of h future days at the mean rate: variance h·s² (noise) + h²·s²/n (uncertain mean).
    const se = sd * Math.sqrt(h + (h * h) / n);
    const remainingKg = meanY * h;
    return bounded(actualKg, remainingKg, se, 0, "flat");
  }
  const meanX = (n - 1) / 2;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (i - meanX) ** 2;
    sxy += (i - meanX) * (observedKg[i]! - meanY);
  }
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (observedKg[i]! - (intercept + slope * i)) ** 2;
  const s2 = n > 2 ? sse / (n - 2) : 0;
  let remainingKg = 0;
  let sumX = 0;
  for (let j = n; j < n + h; j++) {
    remainingKg += Math.max(0, intercept + slope * j);
    sumX += j;
  }
  // Var(Σ ŷ_j) for c = (h, Σx_j): s² c'(X'X)⁻¹c = s² (h²/n + (Σx_j − h·x̄)²/Sxx); plus h·s² of
  // the days' own noise. Residuals are treated as independent (methodology §19.2 states the limit).
  const centred = sumX - h * meanX;
  const variance = s2 * (h + (h * h) / n + (centred * centred) / sxx);
  return bounded(actualKg, remainingKg, Math.sqrt(variance), slope, "linear");
}

function bounded(
  actualKg: number,
  remainingKg: number,
  standardError: number,
  slopeKgPerDay: number,
  method: TrendForecast["method"],
): TrendForecast {
  const forecastKg = actualKg + remainingKg;
  return {
    actualKg,
    remainingKg,
    forecastKg,
    lowKg: Math.max(actualKg, forecastKg - Z_95 * standardError),
    highKg: forecastKg + Z_95 * standardError,
    slopeKgPerDay,
    method,
  };
}
