import { refreshRollups, withTenantClient } from "@canopy/db";
import { defineJob } from "../contract";
import { loadTenantAccount } from "../tenant-guard";
import { toWindow, windowPayload } from "../window-payload";

/** Recomputes the daily and monthly rollups for the days and months an account window touches. */
export const rollupDays = defineJob({
  name: "rollup-days",
  payload: windowPayload,
  options: { attempts: 5, backoffMs: 5_000, concurrency: 2 },
  async process(payload, deps) {
    await loadTenantAccount(deps.app, payload.tenantId, payload.cloudAccountId);
    const window = toWindow(payload);
    const result = await withTenantClient(deps.app, payload.tenantId, (client) =>
      refreshRollups(client, payload.tenantId, window.cloudAccountId, window.start, window.end),
    );
    return { rowsWritten: result.days + result.months, ...result };
  },
});
