import { json } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import { idParamSchema } from "@/lib/api/schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// POST /api/v1/alerts/{id}/acknowledge – someone has seen it.
export const POST = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(
      a.alertSchema,
      await ctx.sql((client) => alerts.acknowledge(client, ctx.principal, id)),
    );
  },
  { permission: "alerts.triage" },
);
