import { json, parseJson } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/webhooks – alert webhooks (never their secrets).
export const GET = withTenantRoute(
  async (ctx) => json(a.webhookListSchema, await ctx.sql((client) => alerts.webhooks(client))),
  { permission: "alerts.configure" },
);

// POST /api/v1/webhooks – the signing secret is in this response only.
export const POST = withTenantRoute(
  async (ctx) => {
    const input = await parseJson(ctx.request, a.webhookCreateSchema);
    return json(
      a.webhookCreatedSchema,
      await ctx.sql((client) => alerts.addWebhook(client, ctx.principal, input)),
      201,
    );
  },
  { permission: "alerts.configure" },
);
