import { parseQuery, json } from "@/lib/api/http";
import { filtersSchema, summaryResponseSchema } from "@/lib/api/schemas";
import { emissionsSummary } from "@/lib/server/emissions";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/emissions/summary – KPI figures for the dashboard's filters.
export const GET = withTenantRoute(
  async (ctx) =>
    json(
      summaryResponseSchema,
      await emissionsSummary(ctx, parseQuery(ctx.request, filtersSchema)),
    ),
  { permission: "emissions.read", emissionRead: true },
);
