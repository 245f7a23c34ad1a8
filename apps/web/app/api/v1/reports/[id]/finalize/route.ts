import { finalizeReport } from "@canopy/reports";
import { json, parseJson } from "@/lib/api/http";
import { idParamSchema, reportFinalizeBodySchema, reportSchema } from "@/lib/api/schemas";
import { appDb } from "@/lib/server/db";
import { reportActor, reportCall, reportListItem, reportListTotals } from "@/lib/server/reports";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// POST /api/v1/reports/{id}/finalize – locks the draft whose content SHA-256 the caller reviewed, as
// the report page's "Finalize" does (owner, admin, finance: @canopy/reports checks the role).
export const POST = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const input = await parseJson(ctx.request, reportFinalizeBodySchema);
    const report = await reportCall(() =>
      finalizeReport(appDb(), ctx.principal.tenantId, id, reportActor(ctx.principal), {
        expectedContentSha256: input.expectedContentSha256,
      }),
    );
    const totals = await ctx.sql((client) => reportListTotals(client, [report.id]));
    return json(reportSchema, reportListItem(report, totals.get(report.id)));
  },
  { permission: "reports.finalize" },
);
