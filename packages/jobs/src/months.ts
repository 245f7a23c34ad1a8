import type { AccountWindow } from "@canopy/db";
import type { JobDeps } from "./contract";

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

/**
 * Queues estimate-window for every account month the windows touch, once each; the job ids carry the
 * run that produced the usage, so a retried run does not queue the same month twice.
 */
export async function queueMonthlyEstimates(
  deps: Pick<JobDeps, "enqueue">,
  tenantId: string,
  syncRunId: string,
  windows: AccountWindow[],
) {
  const seen = new Set<string>();
  for (const window of windows) {
    for (const month of monthsBetween(window.start, window.end)) {
      const jobId = `estimate:${syncRunId}:${window.cloudAccountId}:${month.start}`;
      if (seen.has(jobId)) continue;
      seen.add(jobId);
      await deps.enqueue(
        "estimate-window",
        {
          tenantId,
          cloudAccountId: window.cloudAccountId,
          windowStart: month.start,
          windowEnd: month.end,
        },
        { jobId },
      );
    }
  }
}
