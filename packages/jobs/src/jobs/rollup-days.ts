import { compactTenantDataChanges, refreshRollups, withTenantClient } from "@canopy/db";
import { defineJob } from "../contract";
import { queueAlertDetection, spikeJudgedDays } from "./detect-alerts";
import { recommendationsJobId } from "./compute-recommendations";
import { recordRestatedWindow } from "../grid-restatement";
import { loadTenantAccount } from "../tenant-guard";
import { toWindow, windowPayload } from "../window-payload";

/**
 * Recomputes the daily and monthly rollups for the days and months an account window touches; for a
 * window a grid restatement queued, then records its new totals on the load.
 */
export const rollupDays = defineJob({
  name: "rollup-days",
  payload: windowPayload,
  options: { attempts: 5, backoffMs: 5_000, concurrency: 2 },
  async process(payload, deps) {
    await loadTenantAccount(deps.app, payload.tenantId, payload.cloudAccountId);
    const window = toWindow(payload);
    const result = await withTenantClient(deps.app, payload.tenantId, async (client) => {
      const rollups = await refreshRollups(
        client,
        payload.tenantId,
        window.cloudAccountId,
        window.start,
        window.end,
      );
      // Every write of an import, sync or estimate left a change row; one row keeps the version cheap to read.
      await compactTenantDataChanges(client);
      return rollups;
    });
    if (payload.gridLoadId)
      await recordRestatedWindow(deps, payload.gridLoadId, window.cloudAccountId, window.start);
    // The rollups are committed: a follow-up that cannot be queued (a worker without that job, a
    // queue hiccup) is logged, never a reason to redo them.
    const followUp = async (job: string, queue: () => Promise<unknown>, otherwise: string) => {
      try {
        await queue();
      } catch (error) {
        deps.log(`rollup-days: ${job} not queued (${(error as Error).message}); ${otherwise}`);
      }
    };
    // New recent days: look for spikes and budget crossings once this tenant's rollups settle. Older
    // windows (history re-estimated, a backfill) cannot hold a judged day; the daily run sees budgets.
    if (window.end.getTime() > Date.now() - (spikeJudgedDays + 1) * 86_400_000)
      await followUp(
        "detect-alerts",
        () => queueAlertDetection(deps, payload.tenantId),
        "the daily detection run covers these days",
      );
    // Findings follow the rollups; one run per tenant and minute however many windows finish.
    await followUp(
      "compute-recommendations",
      () =>
        deps.enqueue(
          "compute-recommendations",
          { tenantId: payload.tenantId },
          { jobId: recommendationsJobId(payload.tenantId) },
        ),
      "the next rollup or Recompute on /recommendations runs it",
    );
    return { rowsWritten: result.days + result.months, ...result };
  },
});
