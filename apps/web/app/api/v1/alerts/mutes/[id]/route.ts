import { json } from "@/lib/api/http";
import { idParamSchema } from "@/lib/api/schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// DELETE /api/v1/alerts/mutes/{id} – unmute.
export const DELETE = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(idParamSchema, await ctx.sql((client) => alerts.unmute(client, ctx.principal, id)));
  },
  { permission: "alerts.triage" },
);
