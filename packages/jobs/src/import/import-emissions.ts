import {
  importSpanTotals,
  spanEmissionTotals,
  type PoolClient,
  type SpanEmissionTotals,
} from "@canopy/db";
import type { QueueDriver } from "../contract";
import type { ImportSummary } from "./summary";

/** Where an import's emissions are: still being estimated, estimated, or nothing to estimate. */
export const importEstimatesStates = ["pending", "done", "not_applicable"] as const;
export type ImportEstimates = (typeof importEstimatesStates)[number];

/** Emissions stored for the accounts and span an import covered, from the daily rollups. */
export type ImportTotals = SpanEmissionTotals;

const noEmissions: ImportTotals = {
  kwhFacility: 0,
  co2eLocationKg: 0,
  co2eMarketKg: 0,
  co2eEmbodiedKg: 0,
  waterL: 0,
};

/**
 * Whether the estimate and rollup jobs an import queued have finished and, once they have, the
 * emissions now stored for its accounts and span (what it added). Finished means: the run
 * succeeded, the in-process queue (inline driver) has nothing waiting, the import's accounts have
 * hourly emissions over its span, and the daily rollups (which the estimate jobs refresh last) agree
 * with them. The one rule the import page, the imports API and `canopy import` / `imports show` use;
 * `client` is the tenant's.
 */
export async function importEmissions(
  driver: Pick<QueueDriver, "kind" | "stats">,
  client: PoolClient,
  run: { status: string; details: ImportSummary | null },
): Promise<{ estimates: ImportEstimates; totals: ImportTotals | null }> {
  const summary = run.details;
  if (run.status !== "succeeded" || !summary) return { estimates: "not_applicable", totals: null };
  if (!summary.span || !summary.cloudAccountIds?.length)
    return { estimates: "done", totals: noEmissions };
  const { span, cloudAccountIds } = summary;
  const done = async () => ({
    estimates: "done" as const,
    totals: await spanEmissionTotals(client, cloudAccountIds, span),
  });
  if (summary.usageRowsWritten === 0) return done();
  if (driver.kind === "inline") {
    const stats = await driver.stats();
    if (Object.values(stats).some((s) => s.waiting + s.active > 0))
      return { estimates: "pending", totals: null };
  }
  const { hourly, daily, rows } = await importSpanTotals(client, cloudAccountIds, span);
  return rows > 0 && Math.abs(hourly - daily) <= 1e-6 * Math.max(1, Math.abs(hourly))
    ? done()
    : { estimates: "pending", totals: null };
}
