import { json, parseQuery } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/alerts – spikes and budget alerts, newest first, with the mutes in force.
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, a.alertListQuerySchema);
    return json(a.alertListSchema, await ctx.sql((client) => alerts.alertsPage(client, query)));
  },
  { permission: "emissions.read" },
);
