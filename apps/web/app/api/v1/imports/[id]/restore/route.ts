import { json } from "@/lib/api/http";
import { idParamSchema, importRestoredSchema } from "@/lib/api/schemas";
import { restoreImportRun } from "@/lib/server/import-versions";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// POST /api/v1/imports/{id}/restore – the previous version the import replaced counts again; 409
// restore_refused with the reason (replaced since, already restored, not finished, no versions).
export const POST = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(importRestoredSchema, await restoreImportRun(ctx, id));
  },
  { permission: "imports.create" },
);
