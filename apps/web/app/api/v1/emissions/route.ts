import { parseQuery, json } from "@/lib/api/http";
import { seriesQuerySchema, seriesResponseSchema } from "@/lib/api/schemas";
import { emissionsSeries } from "@/lib/server/emissions";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/emissions – time series with filters, granularity (hour/day/month) and group-by.
export const GET = withTenantRoute(
  async (ctx) =>
    json(
      seriesResponseSchema,
      await emissionsSeries(ctx, parseQuery(ctx.request, seriesQuerySchema)),
    ),
  { permission: "emissions.read", emissionRead: true },
);
