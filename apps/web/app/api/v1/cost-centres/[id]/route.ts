import { json } from "@/lib/api/http";
import { idParamSchema } from "@/lib/api/schemas";
import * as allocation from "@/lib/server/allocation";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// DELETE /api/v1/cost-centres/{id} – its rule targets go with it; their rows become unallocated.
export const DELETE = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(
      idParamSchema,
      await ctx.sql((client) => allocation.removeCostCentre(client, ctx.principal, id)),
    );
  },
  { permission: "allocation.configure" },
);
