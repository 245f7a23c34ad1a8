import { json, parseJson } from "@/lib/api/http";
import * as a from "@/lib/api/alert-schemas";
import { idParamSchema } from "@/lib/api/schemas";
import * as alerts from "@/lib/server/alerts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// POST /api/v1/alerts/{id}/mute – mute this kind of alert for its scope { days | null }.
export const POST = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const { days } = await parseJson(ctx.request, a.muteBodySchema);
    return json(
      a.muteSchema,
      await ctx.sql((client) => alerts.mute(client, ctx.principal, id, days)),
      201,
    );
  },
  { permission: "alerts.triage" },
);
