import { json, parseJson } from "@/lib/api/http";
import { recommendationSettingsSchema } from "@/lib/api/recommendation-schemas";
import { readSettings, saveSettings } from "@/lib/server/recommendations";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/recommendations/settings – the constraint set region moves honour.
export const GET = withTenantRoute(
  async (ctx) =>
    json(recommendationSettingsSchema, await ctx.sql((client) => readSettings(client))),
  { permission: "emissions.read" },
);

// PATCH /api/v1/recommendations/settings – replaces the constraint set (admin); applies on the next run.
export const PATCH = withTenantRoute(
  async (ctx) => {
    const settings = await parseJson(ctx.request, recommendationSettingsSchema);
    return json(
      recommendationSettingsSchema,
      await ctx.sql((client) => saveSettings(client, ctx.principal, settings)),
    );
  },
  { permission: "recommendations.configure" },
);
