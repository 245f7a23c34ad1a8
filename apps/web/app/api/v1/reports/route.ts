import { listReports, parsePeriod } from "@canopy/reports";
import { json, parseJson, parseQuery } from "@/lib/api/http";
import {
  reportGenerateBodySchema,
  reportGeneratedSchema,
  reportListQuerySchema,
  reportListSchema,
} from "@/lib/api/schemas";
import { appDb } from "@/lib/server/db";
import {
  generateReportDraft,
  reportActor,
  reportCall,
  reportListItem,
  reportListTotals,
} from "@/lib/server/reports";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/reports – the organization's report versions as on /reports (?period=, page/limit).
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, reportListQuerySchema);
    const reports = await reportCall(() =>
      listReports(
        appDb(),
        ctx.principal.tenantId,
        reportActor(ctx.principal),
        query.period ? { period: parsePeriod(query.period) } : {},
      ),
    );
    const slice = reports.slice((query.page - 1) * query.limit, query.page * query.limit);
    const totals = await ctx.sql((client) =>
      reportListTotals(
        client,
        slice.map((r) => r.id),
      ),
    );
    return json(reportListSchema, {
      page: query.page,
      limit: query.limit,
      totalItems: reports.length,
      items: slice.map((r) => reportListItem(r, totals.get(r.id))),
    });
  },
  { permission: "reports.generate" },
);

// POST /api/v1/reports – generate a period's draft, as the /reports page's "Generate" does.
export const POST = withTenantRoute(
  async (ctx) => {
    const input = await parseJson(ctx.request, reportGenerateBodySchema);
    const { report, created } = await generateReportDraft(ctx.principal, input);
    const totals = await ctx.sql((client) => reportListTotals(client, [report.id]));
    // 201 for a new draft, 200 when an existing draft was recomputed in place.
    return json(
      reportGeneratedSchema,
      { ...reportListItem(report, totals.get(report.id)), created },
      created ? 201 : 200,
    );
  },
  { permission: "reports.generate" },
);
