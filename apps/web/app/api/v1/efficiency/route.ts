import { json, parseQuery } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/efficiency – kg CO2e per 1,000 of spend per month and currency, and SCI per workload.
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, a.efficiencyQuerySchema);
    return json(a.efficiencySchema, await ctx.sql((client) => alerts.efficiency(client, query)));
  },
  { permission: "emissions.read" },
);
