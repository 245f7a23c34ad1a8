import { json, parseJson } from "@/lib/api/http";
import * as s from "@/lib/api/allocation-schemas";
import * as allocation from "@/lib/server/allocation";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/cost-centres – the organization's cost centres (or customers).
export const GET = withTenantRoute(
  async (ctx) =>
    json(s.costCentreListSchema, await ctx.sql((client) => allocation.costCentres(client))),
  { permission: "emissions.read" },
);

// POST /api/v1/cost-centres – a new cost centre; 409 when the name is taken.
export const POST = withTenantRoute(
  async (ctx) => {
    const { name } = await parseJson(ctx.request, s.costCentreCreateSchema);
    return json(
      s.costCentreSchema,
      await ctx.sql((client) => allocation.addCostCentre(client, ctx.principal, name)),
      201,
    );
  },
  { permission: "allocation.configure" },
);
