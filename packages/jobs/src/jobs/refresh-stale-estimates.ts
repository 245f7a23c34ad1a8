import { z } from "zod";
import { tenantsWithoutFindings, tenantsWithStaleEstimates } from "@canopy/db";
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
    const stale = await tenantsWithStaleEstimates(deps.owner, version);
    for (const tenantId of stale) {
      await deps.enqueue(
        "reestimate-tenant",
        { tenantId },
        { jobId: `reestimate:${tenantId}:${version}` },
      );
    }
    // Organizations estimated before recommendations existed (or whose last run found nothing) get
    // them without waiting for their next import or sync.
    const withoutFindings = await tenantsWithoutFindings(deps.owner);
    for (const tenantId of withoutFindings)
      await deps.enqueue(
        "compute-recommendations",
        { tenantId },
        { jobId: recommendationsJobId(tenantId) },
      );
    return {
      tenants: stale.length,
      methodologyVersion: version,
      recommendationsQueued: withoutFindings.length,
    };
  },
});
