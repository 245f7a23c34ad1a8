import { parseQuery, json } from "@/lib/api/http";
import {
  reconciliationQuerySchema,
  reconciliationResponseSchema,
} from "@/lib/api/reconciliation-schemas";
import { loadReconciliation } from "@/lib/server/reconciliation";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/reconciliation – Canopy beside the providers' figures per month, with the calibration factors.
export const GET = withTenantRoute(
  async (ctx) => {
    const { months } = parseQuery(ctx.request, reconciliationQuerySchema);
    return json(
      reconciliationResponseSchema,
      await ctx.sql((client) => loadReconciliation(client, { months })),
    );
  },
  { permission: "emissions.read" },
);
