import { monthsBetween, type AccountWindow } from "@canopy/db";
import type { JobDeps } from "./contract";

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
