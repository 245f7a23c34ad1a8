import { z } from "zod";
import {
  accountTargetsOfConnection,
  applyMeasuredUtilization,
  finishUtilizationRun,
  startUtilizationRun,
  withTenantClient,
  writeUtilizationHours,
  type AccountWindow,
  type UtilizationHour,
} from "@canopy/db";
import type { UtilizationSummary } from "@canopy/connectors/live";
import { defineJob, type JobDeps } from "../contract";
import {
  isPermanentFailure,
  loadConnectableAccount,
  openUtilizationReader,
} from "../connector-for";
import { PermanentJobError } from "../errors";
import { queueMonthlyEstimates } from "../months";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Without a window: the last 3 days, as a scheduled usage sync re-reads. */
const DEFAULT_DAYS = 3;
/**
 * The oldest hour asked for: CloudWatch keeps one-hour datapoints 455 days, the longest of the three
 * (Azure platform metrics 93 days; Cloud Monitoring's retention is shorter still for some metrics):
 * a 13-month backfill stays within it, older hours would come back empty anyway.
 */
const MAX_AGE_DAYS = 455;

type Target = { cloudAccountId: string; providerAccountId: string };

/**
 * The accounts whose usage this connection brought in the window (an AWS payer's linked accounts, an
 * Azure connection's subscriptions, a GCP export's projects; a GCP connection's own account is its
 * billing account, which has no VMs). A window without usage has nothing to measure.
 */
async function targetsOf(
  deps: JobDeps,
  tenantId: string,
  cloudAccountId: string,
  window: { start: Date; end: Date },
): Promise<Target[]> {
  return withTenantClient(deps.app, tenantId, (client) =>
    accountTargetsOfConnection(client, cloudAccountId, window),
  );
}

/**
 * Reads the hourly CPU utilization of the VMs a connection's accounts are billed for (CloudWatch,
 * Azure Monitor, Cloud Monitoring), upserts it into resource_utilization_hourly, sets the matching
 * compute usage rows' cpu_utilization (stores/utilization.ts) and queues the re-estimate of the
 * months it changed, whose power is then flagged `measured`. Queued after every successful usage
 * sync, and runnable alone for any window. A failure is recorded on the utilization run and the
 * estimates keep the default utilization; it never marks the account as needing attention (usage
 * syncs do not depend on the monitoring permissions).
 */
export const syncUtilization = defineJob({
  name: "sync-utilization",
  payload: z.object({
    tenantId: z.uuid(),
    cloudAccountId: z.uuid(),
    windowStart: z.iso.datetime({ offset: true }).optional(),
    windowEnd: z.iso.datetime({ offset: true }).optional(),
  }),
  options: {
    attempts: 3,
    backoffMs: 60_000,
    concurrency: 1,
    rateLimit: { max: 10, durationMs: 60_000 },
  },
  async process(payload, deps, context) {
    const { tenantId, cloudAccountId } = payload;
    const account = await loadConnectableAccount(deps.app, tenantId, cloudAccountId);
    if (account.status === "disabled" || account.status === "needs_attention")
      return { skipped: account.status };
    const now = Date.now();
    const end = new Date(
      Math.ceil((payload.windowEnd ? Date.parse(payload.windowEnd) : now) / HOUR_MS) * HOUR_MS,
    );
    const askedStart = payload.windowStart
      ? Date.parse(payload.windowStart)
      : Math.floor(now / DAY_MS) * DAY_MS - DEFAULT_DAYS * DAY_MS;
    const start = new Date(
      Math.floor(Math.max(askedStart, now - MAX_AGE_DAYS * DAY_MS) / HOUR_MS) * HOUR_MS,
    );
    if (start >= end) throw new PermanentJobError("The utilization window is empty");
    const window = { start, end };
    const source =
      account.provider === "aws"
        ? "aws-cloudwatch"
        : account.provider === "azure"
          ? "azure-monitor"
          : "gcp-monitoring";
    // A read whose worker died stays "running": the next read of the account ends it.
    const runId = await withTenantClient(deps.app, tenantId, (client) =>
      startUtilizationRun(client, {
        tenantId,
        cloudAccountId,
        jobId: context.jobId,
        window,
        source,
      }),
    );
    const summary: UtilizationSummary = { apiCalls: {}, skipped: {} };
    const finish = (
      status: "succeeded" | "failed",
      counts: { resources: number; hoursStored: number; usageRowsMeasured: number },
      error: string | null,
    ) =>
      withTenantClient(deps.app, tenantId, (client) =>
        finishUtilizationRun(client, runId, {
          status,
          ...counts,
          error,
          details: { jobId: context.jobId, apiCalls: summary.apiCalls, skipped: summary.skipped },
        }),
      );

    const targets = await targetsOf(deps, tenantId, cloudAccountId, window);
    const byProviderId = new Map(
      targets.map((t) => [t.providerAccountId.toLowerCase(), t.cloudAccountId]),
    );
    let resources = 0;
    let hoursStored = 0;
    try {
      const reader = await openUtilizationReader(deps, tenantId, cloudAccountId, account);
      try {
        const listed = await reader.listResources(
          window,
          targets.map((t) => t.providerAccountId),
          summary,
        );
        resources = listed.length;
        for await (const batch of reader.readCpuUtilizationHourly(listed, window, summary)) {
          const hours: UtilizationHour[] = [];
          for (const h of batch) {
            const target = byProviderId.get(h.providerAccountId.toLowerCase());
            if (!target) continue;
            hours.push({
              cloudAccountId: target,
              resourceId: h.resourceId,
              hour: h.hour,
              region: h.region,
              instanceType: h.instanceType,
              cpuUtilization: h.cpuUtilization,
            });
          }
          hoursStored += await withTenantClient(deps.app, tenantId, (client) =>
            writeUtilizationHours(client, tenantId, runId, source, hours),
          );
          await context.reportProgress({ resources, hoursStored });
        }
      } finally {
        await reader.close();
      }
    } catch (error) {
      const message = (error as Error).message;
      const permanent = isPermanentFailure(error);
      deps.log(
        `sync-utilization ${cloudAccountId}: failed on attempt ${context.attempt}: ${message}`,
      );
      if (permanent || context.isLastAttempt) {
        await finish(
          "failed",
          { resources, hoursStored, usageRowsMeasured: 0 },
          `${message} Estimates keep the default utilization until a read succeeds.`,
        );
      }
      // A missing permission or a connection without instance ids will not heal by retrying.
      if (permanent) return { utilizationRunId: runId, failed: message };
      throw error;
    }
    const targetIds = targets.map((t) => t.cloudAccountId);
    const usageRowsMeasured = await withTenantClient(deps.app, tenantId, (client) =>
      applyMeasuredUtilization(client, targetIds, window),
    );
    await finish("succeeded", { resources, hoursStored, usageRowsMeasured }, null);
    if (usageRowsMeasured > 0) {
      const touched: AccountWindow[] = targetIds.map((id) => ({ cloudAccountId: id, ...window }));
      await queueMonthlyEstimates(deps, tenantId, runId, touched);
    }
    deps.log(
      `sync-utilization ${cloudAccountId}: ${resources} resources, ${hoursStored} hours stored, ${usageRowsMeasured} usage rows measured`,
    );
    return { utilizationRunId: runId, resources, hoursStored, usageRowsMeasured };
  },
});
