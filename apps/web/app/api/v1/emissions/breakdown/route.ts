import { parseQuery, json } from "@/lib/api/http";
import { breakdownQuerySchema, breakdownResponseSchema } from "@/lib/api/schemas";
import { emissionsBreakdown } from "@/lib/server/emissions";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/emissions/breakdown – totals per provider/account/service/region/scope, paginated.
export const GET = withTenantRoute(
  async (ctx) =>
    json(
      breakdownResponseSchema,
      await emissionsBreakdown(ctx, parseQuery(ctx.request, breakdownQuerySchema)),
    ),
  { permission: "emissions.read", emissionRead: true },
);
