import { z } from "zod";
import { pruneSupersededUsage } from "@canopy/db";
import { defineJob } from "../contract";

/**
 * Deletes previous versions of usage (usage_superseded) older than the retention
 * (CANOPY_SUPERSEDED_RETENTION_DAYS; 0 keeps them forever). Runs daily, across tenants, as the owner.
 * Past the retention an import or sync can no longer be restored.
 */
export const pruneSuperseded = defineJob({
  name: "prune-superseded-usage",
  payload: z.object({ retentionDays: z.number().int().min(0) }),
  options: { attempts: 3, backoffMs: 60_000, concurrency: 1 },
  async process(payload, deps) {
    if (payload.retentionDays === 0) return { deleted: 0 };
    const deleted = await pruneSupersededUsage(deps.owner.pool, payload.retentionDays);
    if (deleted > 0)
      deps.log(
        `prune-superseded-usage: deleted ${deleted} previous-version row(s) older than ${payload.retentionDays} days`,
      );
    return { deleted };
  },
});
