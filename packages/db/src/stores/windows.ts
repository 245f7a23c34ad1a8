/** A time window of one cloud account's data: [start, end). */
export type AccountWindow = { cloudAccountId: string; start: Date; end: Date };

/** Window arrays for `unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[])`. */
export function windowArrays(windows: readonly AccountWindow[]): [string[], string[], string[]] {
  return [
    windows.map((w) => w.cloudAccountId),
    windows.map((w) => w.start.toISOString()),
    windows.map((w) => w.end.toISOString()),
  ];
}
