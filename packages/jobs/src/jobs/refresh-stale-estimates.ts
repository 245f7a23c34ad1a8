import { z } from "zod";
import { createEstimator } from "@canopy/methodology";
import { defineJob } from "../contract";
import { recommendationsJobId } from "./compute-recommendations";

/**
 * Finds organizations whose stored emissions were made by another methodology version (a new release
 * or data pack) or whose usage has no emissions yet, and queues reestimate-tenant for each. Runs at
 * worker start and daily; also queues compute-recommendations for organizations with emissions and no
 * findings yet. Cross-tenant, so it reads through the owner connection and only queues.
 */
export const refreshStaleEstimates = defineJob({
  name: "refresh-stale-estimates",
  payload: z.object({}),
  options: { attempts: 3, backoffMs: 30_000, concurrency: 1 },
  async process(_payload, deps) {
    const version = createEstimator().methodologyVersion;
    const { rows } = await deps.owner.pool.query<{ tenantId: string }>(
      `SELECT t.id AS "tenantId" FROM tenants t
       WHERE EXISTS (SELECT 1 FROM usage_hourly u WHERE u.tenant_id = t.id)
         AND (NOT EXISTS (SELECT 1 FROM emissions_monthly m WHERE m.tenant_id = t.id)
              OR EXISTS (SELECT 1 FROM emissions_monthly m WHERE m.tenant_id = t.id AND m.methodology_version <> $1))`,
      [version],
    );
    for (const { tenantId } of rows) {
      await deps.enqueue(
        "reestimate-tenant",
        { tenantId },
        { jobId: `reestimate:${tenantId}:${version}` },
      );
    }
    // Organizations estimated before recommendations existed (or whose last run found nothing) get
    // them without waiting for their next import or sync.
    const { rows: withoutFindings } = await deps.owner.pool.query<{ tenantId: string }>(
      `SELECT t.id AS "tenantId" FROM tenants t
       WHERE EXISTS (SELECT 1 FROM emissions_monthly m WHERE m.tenant_id = t.id)
         AND NOT EXISTS (SELECT 1 FROM recommendation_findings f WHERE f.tenant_id = t.id)`,
    );
    for (const { tenantId } of withoutFindings)
      await deps.enqueue(
        "compute-recommendations",
        { tenantId },
        { jobId: recommendationsJobId(tenantId) },
      );
    return {
      tenants: rows.length,
      methodologyVersion: version,
      recommendationsQueued: withoutFindings.length,
    };
  },
});
