import { gridDatasetNoticeBody } from "@/lib/grid-notice";
import { importGridDatasetUpload, listGridLoads } from "@/lib/server/grid-datasets";
import { requireInstanceAdmin } from "@/lib/server/instance-admin";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// The shared grid-intensity store is every organization's: only instance administrators manage it.

// GET /api/v1/grid/datasets – the latest loads of the shared grid-intensity store, with the notice.
export const GET = withTenantRoute(
  async (ctx) => {
    requireInstanceAdmin(ctx.principal);
    return Response.json(
      { items: await listGridLoads(), notice: gridDatasetNoticeBody },
      { headers: { "cache-control": "no-store" } },
    );
  },
  { permission: "emissions.read" },
);

// POST /api/v1/grid/datasets – upload one Electricity Maps hourly dataset file (multipart `file`);
// the whole file is checked and stored all or nothing; 422 names the bad line.
export const POST = withTenantRoute(
  async (ctx) => {
    requireInstanceAdmin(ctx.principal);
    const result = await importGridDatasetUpload(ctx.request);
    return Response.json(
      {
        loadId: result.loadId,
        fileName: result.fileName,
        zone: result.zone,
        hours: result.rows,
        rowsWritten: result.rowsWritten,
        rowsRevised: result.rowsRevised,
        firstHour: result.firstHour?.toISOString() ?? null,
        lastHour: result.lastHour?.toISOString() ?? null,
        restatement: result.restatement && {
          status: result.restatement.status,
          windows: result.restatement.windows,
        },
        notice: gridDatasetNoticeBody,
      },
      { status: 201, headers: { "cache-control": "no-store" } },
    );
  },
  { permission: "emissions.read" },
);
