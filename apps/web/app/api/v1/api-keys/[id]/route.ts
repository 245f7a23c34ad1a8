import { json } from "@/lib/api/http";
import { apiKeySchema, idParamSchema } from "@/lib/api/schemas";
import { revokeApiKey } from "@/lib/server/api-key-store";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// DELETE /api/v1/api-keys/{id} – revoke a key; it stops working at once.
export const DELETE = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(apiKeySchema, await ctx.sql((client) => revokeApiKey(client, ctx.principal, id)));
  },
  { permission: "apiKeys.manage" },
);
