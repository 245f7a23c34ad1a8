import { json, parseQuery } from "@/lib/api/http";
import {
  recommendationListSchema,
  recommendationQuerySchema,
} from "@/lib/api/recommendation-schemas";
import { listRecommendations } from "@/lib/server/recommendations";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/recommendations – the organization's findings, largest location-based saving first.
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, recommendationQuerySchema);
    const list = await ctx.sql((client) =>
      listRecommendations(client, {
        ...(query.state ? { state: query.state } : {}),
        ...(query.rule ? { ruleId: query.rule } : {}),
        includeRetired: query.includeRetired,
      }),
    );
    return json(recommendationListSchema, list);
  },
  { permission: "emissions.read" },
);
