import { downloadReport } from "@canopy/reports";
import { parseQuery } from "@/lib/api/http";
import { idParamSchema, reportDownloadQuerySchema } from "@/lib/api/schemas";
import { appDb } from "@/lib/server/db";
import { reportActor, reportCall, reportFileResponse } from "@/lib/server/reports";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/reports/{id}/download?format=pdf|xlsx|csv – the file as an attachment (a final's stored
// bytes, a draft rendered now); 404 for an unknown id or another organization's.
export const GET = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const { format } = parseQuery(ctx.request, reportDownloadQuerySchema);
    const file = await reportCall(() =>
      downloadReport(appDb(), ctx.principal.tenantId, id, format, reportActor(ctx.principal)),
    );
    return reportFileResponse(file);
  },
  { permission: "reports.generate" },
);
