import { json, parseJson, parseQuery } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/functional-units – SCI per workload and period for the units posted.
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, a.functionalUnitsQuerySchema);
    return json(a.sciListSchema, await ctx.sql((client) => alerts.sci(client, query)));
  },
  { permission: "emissions.read" },
);

// POST /api/v1/functional-units – post counts (requests, users, tokens…) per workload tag and period.
export const POST = withTenantRoute(
  async (ctx) => {
    const { items } = await parseJson(ctx.request, a.functionalUnitsPostSchema);
    return json(
      a.sciListSchema,
      await ctx.sql((client) => alerts.postFunctionalUnits(client, ctx.principal, items)),
      201,
    );
  },
  { permission: "functionalUnits.write" },
);
