import { parseQuery, json } from "@/lib/api/http";
import { calibratedQuerySchema, calibratedResponseSchema } from "@/lib/api/reconciliation-schemas";
import { loadCalibratedMonth } from "@/lib/server/reconciliation";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/reconciliation/calibrated – one month of the calibrated view (Canopy's shape, provider's level).
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, calibratedQuerySchema);
    return json(
      calibratedResponseSchema,
      await ctx.sql((client) =>
        loadCalibratedMonth(client, `${query.month}-01`, query.granularity),
      ),
    );
  },
  { permission: "emissions.read" },
);
