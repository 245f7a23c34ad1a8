import { getReport } from "@canopy/reports";
import { json } from "@/lib/api/http";
import { idParamSchema, reportDetailSchema } from "@/lib/api/schemas";
import { appDb } from "@/lib/server/db";
import { reportActor, reportCall, reportDetail, reportListTotals } from "@/lib/server/reports";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/reports/{id} – one version with its boundary, breakdowns and comparisons (as on the
// report page); 404 for an unknown id or another organization's.
export const GET = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const { report, model } = await reportCall(() =>
      getReport(appDb(), ctx.principal.tenantId, id, reportActor(ctx.principal)),
    );
    const totals = await ctx.sql((client) => reportListTotals(client, [report.id]));
    return json(reportDetailSchema, reportDetail(report, model, totals.get(report.id)));
  },
  { permission: "reports.generate" },
);
