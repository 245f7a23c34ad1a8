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

/** Calendar months (UTC) covering [first, last), as ISO bounds. */
export function monthsBetween(first: Date, last: Date): { start: string; end: string }[] {
  const months: { start: string; end: string }[] = [];
  let cursor = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
  while (cursor < last.getTime()) {
    const start = new Date(cursor);
    const next = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
    months.push({ start: start.toISOString(), end: new Date(next).toISOString() });
    cursor = next;
  }
  return months;
}
