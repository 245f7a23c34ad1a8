import { json } from "@/lib/api/http";
import { accountSchema, idParamSchema } from "@/lib/api/schemas";
import { getAccount } from "@/lib/server/accounts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/accounts/{id} – one cloud account of the organization (404 for any other).
export const GET = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(accountSchema, await ctx.sql((client) => getAccount(client, id)));
  },
  { role: "analyst" },
);
