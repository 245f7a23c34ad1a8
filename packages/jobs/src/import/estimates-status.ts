import { importSpanTotals, type PoolClient } from "@canopy/db";
import type { QueueDriver } from "../contract";
import type { ImportSummary } from "./summary";

/** Where an import's emissions are: still being estimated, estimated, or nothing to estimate. */
export const importEstimatesStates = ["pending", "done", "not_applicable"] as const;
export type ImportEstimates = (typeof importEstimatesStates)[number];

/**
 * Whether the estimate and rollup jobs an import queued have finished: the run succeeded, the
 * in-process queue (inline driver) has nothing waiting, the import's accounts have hourly emissions
 * over its span, and the daily rollups agree with them (read with the tenant's client). The one rule for "estimates done" that the
 * import page, the imports API and `canopy import` use before showing the emissions an import added.
 */
export async function importEstimates(
  driver: Pick<QueueDriver, "kind" | "stats">,
  client: PoolClient,
  run: { status: string; details: ImportSummary | null },
): Promise<ImportEstimates> {
  const summary = run.details;
  if (run.status !== "succeeded" || !summary) return "not_applicable";
  if (!summary.span || !summary.cloudAccountIds?.length || summary.usageRowsWritten === 0)
    return "done";
  if (driver.kind === "inline") {
    const stats = await driver.stats();
    if (Object.values(stats).some((s) => s.waiting + s.active > 0)) return "pending";
  }
  const { span, cloudAccountIds } = summary;
  const { hourly, daily, rows } = await importSpanTotals(client, cloudAccountIds, span);
  return rows > 0 && Math.abs(hourly - daily) <= 1e-6 * Math.max(1, Math.abs(hourly))
    ? "done"
    : "pending";
}
