import { json } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import { idParamSchema } from "@/lib/api/schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/alerts/{id}/deliveries – the delivery log of one alert (every attempt).
export const GET = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(
      a.deliveryListSchema,
      await ctx.sql((client) => alerts.alertDeliveries(client, id)),
    );
  },
  { permission: "alerts.triage" },
);
