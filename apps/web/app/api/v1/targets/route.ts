import { json, parseJson, parseQuery } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/targets – each reduction target with this year's progress and forecast.
export const GET = withTenantRoute(
  async (ctx) => {
    const { year } = parseQuery(ctx.request, a.targetQuerySchema);
    return json(a.targetListSchema, await ctx.sql((client) => alerts.targets(client, year)));
  },
  { permission: "emissions.read" },
);

// POST /api/v1/targets – set (or replace) the target of a basis.
export const POST = withTenantRoute(
  async (ctx) => {
    const input = await parseJson(ctx.request, a.targetSetSchema);
    return json(
      a.targetProgressSchema,
      await ctx.sql((client) => alerts.putTarget(client, ctx.principal, input)),
      201,
    );
  },
  { permission: "alerts.configure" },
);
