import { json, parseQuery } from "@/lib/api/http";
import * as s from "@/lib/api/allocation-schemas";
import { idParamSchema } from "@/lib/api/schemas";
import * as allocation from "@/lib/server/allocation";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/cost-centres/{id}/emissions – one cost centre's share of a month, by day.
export const GET = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const query = parseQuery(ctx.request, s.allocationQuerySchema);
    return json(
      s.costCentreEmissionsSchema,
      await ctx.sql((client) => allocation.costCentreEmissions(client, id, query)),
    );
  },
  { permission: "emissions.read", emissionRead: true },
);
