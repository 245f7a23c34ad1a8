import { json, parseJson } from "@/lib/api/http";
import { apiKeyCreateSchema, apiKeyCreatedSchema, apiKeyListSchema } from "@/lib/api/schemas";
import { createApiKey, listApiKeys } from "@/lib/server/api-key-store";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/api-keys – the organization's API keys (prefixes only).
export const GET = withTenantRoute(
  async (ctx) => json(apiKeyListSchema, { items: await ctx.sql(listApiKeys) }),
  { permission: "apiKeys.manage" },
);

// POST /api/v1/api-keys – create a key { name, role }; the key is returned once.
export const POST = withTenantRoute(
  async (ctx) => {
    const input = await parseJson(ctx.request, apiKeyCreateSchema);
    return json(
      apiKeyCreatedSchema,
      await ctx.sql((client) => createApiKey(client, ctx.principal, input)),
      201,
    );
  },
  { permission: "apiKeys.manage" },
);
