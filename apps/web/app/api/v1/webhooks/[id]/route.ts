import { json, parseJson } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import { idParamSchema } from "@/lib/api/schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// PATCH /api/v1/webhooks/{id} – name, URL, enabled (the secret cannot be read or changed: make a new webhook).
export const PATCH = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const patch = await parseJson(ctx.request, a.webhookPatchSchema);
    return json(
      a.webhookSchema,
      await ctx.sql((client) => alerts.changeWebhook(client, ctx.principal, id, patch)),
    );
  },
  { permission: "alerts.configure" },
);

// DELETE /api/v1/webhooks/{id}
export const DELETE = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(
      idParamSchema,
      await ctx.sql((client) => alerts.removeWebhook(client, ctx.principal, id)),
    );
  },
  { permission: "alerts.configure" },
);
