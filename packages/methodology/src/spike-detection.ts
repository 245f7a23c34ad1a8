/**
 * Emission-spike detection on a daily series (docs/methodology.md §19.1).
 *
 * Baseline of day t: the same weekday in the previous `baselineWeeks` weeks (cloud usage follows the
 * working week, so a Monday is compared with Mondays). Spread: the median absolute deviation (MAD)
 * of those days, scaled by 1.4826 so it estimates a standard deviation for normally distributed
 * noise (Rousseeuw & Croux 1993; Leys et al. 2013). A day is a spike when its modified z-score
 * (x − median) ÷ (1.4826 × MAD) exceeds `threshold` (3.5, Iglewicz & Hoaglin 1993) and the excess
 * passes the two floors below. Median and MAD are robust: one earlier spike in the baseline moves
 * neither, so a spike does not hide the next one.
 */

export type DailyPoint = { day: string; co2eKg: number };

export type SpikeOptions = {
  /** Same-weekday days looked back at (8 weeks: two months, short enough to follow growth). */
  baselineWeeks: number;
  /** Fewest baseline days needed before a day can be judged (the series' first weeks never alert). */
  minBaselineDays: number;
  /** Modified z-score above which a day is a spike. */
  threshold: number;
  /** Days before the judged day whose residuals give the spread. */
  spreadDays: number;
  /** Fewest recent residuals for a day to be judged (the first ~6 weeks of a series never alert). */
  minSpreadDays: number;
  /** The relative spread is at least this (a flat series has MAD 0: +1 % is not a spike). */
  minRelativeSpread: number;
  /** A spike must exceed the baseline by at least this many kg CO2e (tiny series stay quiet). */
  minExcessKg: number;
};

export const defaultSpikeOptions: SpikeOptions = {
  baselineWeeks: 8,
  minBaselineDays: 4,
  spreadDays: 56,
  minSpreadDays: 14,
  threshold: 3.5,
  minRelativeSpread: 0.05,
  minExcessKg: 1,
};

export type Spike = {
  day: string;
  co2eKg: number;
  baselineKg: number;
  /** Relative spread (1.4826 × MAD of recent relative residuals, floored) × baseline. */
  spreadKg: number;
  /** (co2eKg − baselineKg) ÷ spreadKg. */
  score: number;
  excessKg: number;
};

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Scale that makes the MAD a consistent estimator of σ for normal data (1 ÷ Φ⁻¹(0.75)). */
export const MAD_TO_SIGMA = 1.4826;

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

/**
 * Judges every day of `series` (ISO days, any order, missing days allowed: a missing day is not a
 * zero, it is left out of baselines) and returns the spikes, oldest first. `onlyFrom` limits the days
 * judged (the daily job looks at the last few days; history still feeds the baselines).
 */
export function detectSpikes(
  series: readonly DailyPoint[],
  options: Partial<SpikeOptions> & { onlyFrom?: string } = {},
): Spike[] {
  const o = { ...defaultSpikeOptions, ...options };
  const byDay = new Map<number, number>();
  for (const point of series) {
    if (!Number.isFinite(point.co2eKg)) continue;
    byDay.set(dayNumber(point.day), point.co2eKg);
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  // Each day's seasonal baseline and its relative residual (x ÷ baseline − 1): noise in cloud usage
  // scales with the level, so weekends and weekdays share one relative spread.
  const baselines = new Map<number, number>();
  const residuals = new Map<number, number>();
  for (const day of days) {
    const baseline: number[] = [];
    for (let week = 1; week <= o.baselineWeeks; week++) {
      const previous = byDay.get(day - 7 * week);
      if (previous !== undefined) baseline.push(previous);
    }
    if (baseline.length < o.minBaselineDays) continue;
    const baselineKg = median(baseline);
    if (!(baselineKg > 0)) continue;
    baselines.set(day, baselineKg);
    residuals.set(day, byDay.get(day)! / baselineKg - 1);
  }
  const from = options.onlyFrom ? dayNumber(options.onlyFrom) : -Infinity;
  const spikes: Spike[] = [];
  for (const day of days) {
    const seasonalKg = baselines.get(day);
    if (day < from || seasonalKg === undefined) continue;
    const value = byDay.get(day)!;
    const recent = residualsBefore(residuals, day, o);
    // Without enough recent residuals the spread is unknown: judging against the floor alone
    // flagged ordinary noise in the series' first weeks.
    if (recent.length < o.minSpreadDays) continue;
    // The median recent residual is the drift the lagging same-weekday median misses (growth, a
    // lasting change): the baseline follows it, so steady growth is not a run of spikes.
    const drift = median(recent);
    const baselineKg = seasonalKg * (1 + drift);
    const excessKg = value - baselineKg;
    if (excessKg < o.minExcessKg) continue;
    const spread = MAD_TO_SIGMA * median(recent.map((r) => Math.abs(r - drift)));
    const spreadKg = Math.max(spread, o.minRelativeSpread) * seasonalKg;
    const score = excessKg / spreadKg;
    if (score <= o.threshold) continue;
    spikes.push({
      day: new Date(day * DAY_MS).toISOString().slice(0, 10),
      co2eKg: value,
      baselineKg,
      spreadKg,
      score,
      excessKg,
    });
  }
  return spikes;
}

/** The relative residuals of the `spreadDays` days before `day` (every weekday pooled). */
function residualsBefore(residuals: Map<number, number>, day: number, o: SpikeOptions): number[] {
  const window: number[] = [];
  for (let d = day - o.spreadDays; d < day; d++) {
    const r = residuals.get(d);
    if (r !== undefined) window.push(r);
  }
  return window;
}
