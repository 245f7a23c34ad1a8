import { json, parseQuery } from "@/lib/api/http";
import * as s from "@/lib/api/allocation-schemas";
import * as allocation from "@/lib/server/allocation";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/allocation – a month's emissions per cost centre, with the unallocated rest.
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, s.allocationQuerySchema);
    return json(
      s.allocationSchema,
      await ctx.sql((client) => allocation.allocation(client, query)),
    );
  },
  { permission: "emissions.read", emissionRead: true },
);
