import { json } from "@/lib/api/http";
import { idParamSchema, importSchema } from "@/lib/api/schemas";
import { confirmImportRun } from "@/lib/server/import-versions";
import { toImportResource } from "@/lib/server/import-resource";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// POST /api/v1/imports/{id}/confirm – an import awaiting confirmation runs again and replaces the
// stored data (202 with the import, queued); 409 not_awaiting_confirmation in any other state.
export const POST = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(importSchema, toImportResource(await confirmImportRun(ctx, id)), 202);
  },
  { permission: "imports.create" },
);
