import { json } from "@/lib/api/http";
import { recomputeResponseSchema } from "@/lib/api/recommendation-schemas";
import { queueRecompute } from "@/lib/server/recommendations";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// POST /api/v1/recommendations/recompute – queues compute-recommendations for the organization now.
export const POST = withTenantRoute(
  async (ctx) => json(recomputeResponseSchema, await queueRecompute(ctx.principal), 202),
  { permission: "recommendations.triage" },
);
