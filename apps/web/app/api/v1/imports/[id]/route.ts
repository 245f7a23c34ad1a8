import { json } from "@/lib/api/http";
import { idParamSchema, importDetailSchema } from "@/lib/api/schemas";
import { getImport } from "@/lib/server/imports";
import { toImportResource } from "@/lib/server/import-resource";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/imports/{id} – status, live progress, summary and (once estimated) totals added.
export const GET = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const view = await getImport(ctx, id);
    return json(importDetailSchema, {
      ...toImportResource(view),
      estimates: view.estimates,
      totals: view.totals,
    });
  },
  { role: "analyst" },
);
