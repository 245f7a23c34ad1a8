/**
 * The carbon-aware view of a grid zone: mean intensity per month and UTC hour of day, and the best
 * window for shiftable work (the N consecutive hours of the day with the lowest mean, wrapping past
 * midnight, since a batch job may run from 22:00 to 02:00).
 */

export type ProfileCell = {
  /** YYYY-MM */
  month: string;
  /** 0–23, UTC. */
  hourOfDay: number;
  meanGPerKwh: number;
  /** Hours of data behind the mean. */
  hours: number;
};

export type BestWindow = {
  month: string;
  /** First hour of the window (UTC) and the hour after its last, modulo 24. */
  startHour: number;
  endHour: number;
  hours: number;
  meanGPerKwh: number;
  /** Mean over all 24 hours of the month's profile. */
  dayMeanGPerKwh: number;
  /** 1 − window mean ÷ day mean: how much less intensive the window is than the day's mean. */
  reductionShare: number;
};

export const defaultWindowHours = 4;
export const maxWindowHours = 12;

/** Hour-of-day means of one month, index = hour (null where the month has no data for it). */
export function hourlyMeans(cells: readonly ProfileCell[], month: string): (number | null)[] {
  const means: (number | null)[] = Array.from({ length: 24 }, () => null);
  for (const cell of cells) if (cell.month === month) means[cell.hourOfDay] = cell.meanGPerKwh;
  return means;
}

/**
 * The lowest-mean window of `hours` consecutive hours; null unless every hour of the day has data
 * (a window beside a gap could look better than it is). Ties go to the earliest start.
 */
export function bestWindow(
  month: string,
  means: readonly (number | null)[],
  hours: number,
): BestWindow | null {
  if (means.length !== 24 || means.some((m) => m === null)) return null;
  const values = means as number[];
  const dayMean = values.reduce((a, b) => a + b, 0) / 24;
  let best: { start: number; mean: number } | null = null;
  for (let start = 0; start < 24; start++) {
    let sum = 0;
    for (let k = 0; k < hours; k++) sum += values[(start + k) % 24]!;
    const mean = sum / hours;
    if (best === null || mean < best.mean) best = { start, mean };
  }
  if (!best) return null;
  return {
    month,
    startHour: best.start,
    endHour: (best.start + hours) % 24,
    hours,
    meanGPerKwh: best.mean,
    dayMeanGPerKwh: dayMean,
    reductionShare: dayMean > 0 ? 1 - best.mean / dayMean : 0,
  };
}

/** "22:00–02:00 UTC" */
export const windowLabel = (w: Pick<BestWindow, "startHour" | "endHour">) =>
  `${String(w.startHour).padStart(2, "0")}:00–${String(w.endHour).padStart(2, "0")}:00 UTC`;
