import { json, parseJson } from "@/lib/api/http";
import { findingSchema, findingStateChangeSchema } from "@/lib/api/recommendation-schemas";
import { idParamSchema } from "@/lib/api/schemas";
import { changeFindingState } from "@/lib/server/recommendations";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// PATCH /api/v1/recommendations/{id} – accept, dismiss (with a reason), mark done or reopen a finding.
export const PATCH = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const change = await parseJson(ctx.request, findingStateChangeSchema);
    const finding = await ctx.sql((client) =>
      changeFindingState(client, ctx.principal, id, {
        state: change.state,
        reason: change.reason ?? null,
        ...(change.doneAt ? { doneAt: change.doneAt } : {}),
      }),
    );
    return json(findingSchema, finding);
  },
  { permission: "recommendations.triage" },
);
