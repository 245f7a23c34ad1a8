import { monthsBetween } from "@canopy/db";
import { z } from "zod";
import type { UsageWindow } from "@canopy/connectors/live";
import { defineJob, type JobDeps } from "../contract";
import { asJobError, loadConnectableAccount, openConnector } from "../connector-for";
import { storeReportedCarbon } from "../reconciliation";

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "YYYY-MM");

/** YYYY-MM of a date (UTC). */
const monthOf = (date: Date) => date.toISOString().slice(0, 7);

/** YYYY-MM for every month from `from` to `to`, both included. */
export function monthRange(from: string, to: string): string[] {
  const end = new Date(`${to}-01T00:00:00Z`);
  end.setUTCMonth(end.getUTCMonth() + 1);
  return monthsBetween(new Date(`${from}-01T00:00:00Z`), end).map((m) => m.start.slice(0, 7));
}

/**
 * The months whose provider figures a sync should (re)fetch: those its windows cover, plus the month
 * before, because providers publish month M around the middle of M+1, when a routine sync only covers
 * the last few days of M+1. Months not published yet simply come back empty.
 */
export function reportedCarbonMonths(windows: UsageWindow[]): { from: string; to: string } | null {
  const first = windows[0];
  const last = windows.at(-1);
  if (!first || !last) return null;
  const before = new Date(Date.UTC(first.start.getUTCFullYear(), first.start.getUTCMonth() - 1, 1));
  return { from: monthOf(before), to: monthOf(new Date(last.end.getTime() - 1)) };
}

/**
 * Queued by sync-account after a successful run: at most one per account, month range and day, so
 * hourly syncs do not query the provider's carbon data every hour.
 */
export async function queueReportedCarbon(
  deps: JobDeps,
  tenantId: string,
  cloudAccountId: string,
  windows: UsageWindow[],
  now = new Date(),
) {
  const months = reportedCarbonMonths(windows);
  if (!months) return;
  await deps.enqueue(
    "fetch-reported-carbon",
    { tenantId, cloudAccountId, fromMonth: months.from, toMonth: months.to },
    {
      jobId: `reported-carbon:${cloudAccountId}:${months.from}:${months.to}:${now.toISOString().slice(0, 10)}`,
    },
  );
}

/**
 * Fetches the provider's own monthly carbon figures (AWS Sustainability API and CARBON_EMISSIONS
 * export, Azure Carbon Optimization, GCP Carbon Footprint export) for the account and stores them in
 * provider_reported_emissions, replacing what was stored for the same source, month and model
 * version. An account without a carbon source (GCP without the export table) is skipped.
 */
export const fetchReportedCarbon = defineJob({
  name: "fetch-reported-carbon",
  payload: z
    .object({ tenantId: z.uuid(), cloudAccountId: z.uuid(), fromMonth: month, toMonth: month })
    .refine((p) => p.fromMonth <= p.toMonth, "fromMonth must not be after toMonth")
    .refine((p) => monthRange(p.fromMonth, p.toMonth).length <= 24, "at most 24 months per job"),
  options: {
    attempts: 3,
    backoffMs: 60_000,
    concurrency: 1,
    rateLimit: { max: 10, durationMs: 60_000 },
  },
  async process({ tenantId, cloudAccountId, fromMonth, toMonth }, deps) {
    const account = await loadConnectableAccount(deps.app, tenantId, cloudAccountId);
    if (account.status === "disabled") return { skipped: "disabled" };
    const connector = await openConnector(deps, tenantId, cloudAccountId, account);
    if (!connector.fetchReportedCarbon) return { skipped: "no carbon export configured" };
    const published: string[] = [];
    const unpublished: string[] = [];
    let figures = 0;
    for (const m of monthRange(fromMonth, toMonth)) {
      let found;
      try {
        found = await connector.fetchReportedCarbon(m);
      } catch (error) {
        deps.log(`fetch-reported-carbon ${cloudAccountId} ${m}: ${(error as Error).message}`);
        throw asJobError(error);
      }
      if (found.length === 0) {
        unpublished.push(m);
        continue;
      }
      figures += await storeReportedCarbon(deps.app, tenantId, cloudAccountId, found);
      published.push(m);
    }
    deps.log(
      `fetch-reported-carbon ${cloudAccountId}: ${figures} figure(s) for ${published.join(", ") || "no month"}; not published yet: ${unpublished.join(", ") || "none"}`,
    );
    return { figures, published, unpublished };
  },
});
