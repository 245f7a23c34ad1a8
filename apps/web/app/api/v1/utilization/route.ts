import { parseQuery, json } from "@/lib/api/http";
import { filtersSchema } from "@/lib/api/schemas";
import { utilizationResponseSchema } from "@/lib/api/utilization-schemas";
import { measuredUtilizationDetail } from "@/lib/server/emissions";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/utilization – share of compute energy on measured utilization, and each account's last read.
export const GET = withTenantRoute(
  async (ctx) =>
    json(
      utilizationResponseSchema,
      await measuredUtilizationDetail(ctx, parseQuery(ctx.request, filtersSchema)),
    ),
  { permission: "emissions.read" },
);
