import { json } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// DELETE /api/v1/targets/{basis}
export const DELETE = withTenantRoute<{ basis: string }>(
  async (ctx) => {
    const { basis } = a.basisParamSchema.parse(ctx.params);
    return json(
      a.basisParamSchema,
      await ctx.sql((client) => alerts.removeTarget(client, ctx.principal, basis)),
    );
  },
  { permission: "alerts.configure" },
);
