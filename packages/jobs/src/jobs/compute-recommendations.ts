import { withTenantClient } from "@canopy/db";
import { z } from "zod";
import { defineJob } from "../contract";
import { computeRecommendations } from "../recommendations/compute";

export const computeRecommendationsPayload = z.object({ tenantId: z.uuid() });

/** Job id that coalesces the runs a burst of rollups asks for (one per tenant and minute). */
export const recommendationsJobId = (tenantId: string, now = Date.now()) =>
  `recommendations:${tenantId}:${Math.floor(now / 60_000)}`;

/**
 * Recomputes a tenant's recommendation findings (docs/methodology.md §20). Queued by rollup-days
 * after a tenant's rollups change, and on demand (POST /api/v1/recommendations/recompute).
 */
export const computeRecommendationsJob = defineJob({
  name: "compute-recommendations",
  payload: computeRecommendationsPayload,
  options: { attempts: 3, backoffMs: 10_000, concurrency: 1 },
  async process(payload, deps) {
    const result = await withTenantClient(deps.app, payload.tenantId, (client) =>
      computeRecommendations(client, payload.tenantId),
    );
    deps.log(
      `recommendations for ${payload.tenantId}: ${result.findings} findings (basis ${result.basisMonth ?? "none"}) in ${JSON.stringify(result.timingsMs)}`,
    );
    return { rowsWritten: result.findings, ...result };
  },
});
