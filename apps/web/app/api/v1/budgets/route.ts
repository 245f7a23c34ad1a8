import { json, parseJson } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/budgets – budgets with their burn-down and forecast.
export const GET = withTenantRoute(
  async (ctx) =>
    json(a.budgetListSchema, await ctx.sql((client) => alerts.budgetsWithBurnDown(client))),
  { permission: "emissions.read" },
);

// POST /api/v1/budgets – a budget for the organization or a tag.
export const POST = withTenantRoute(
  async (ctx) => {
    const input = await parseJson(ctx.request, a.budgetCreateSchema);
    return json(
      a.budgetSchema,
      await ctx.sql((client) => alerts.addBudget(client, ctx.principal, input)),
      201,
    );
  },
  { permission: "alerts.configure" },
);
