import { parseQuery, json } from "@/lib/api/http";
import { importCreatedSchema, importListQuerySchema, importListSchema } from "@/lib/api/schemas";
import { createImportFromMultipart, importLimits, listImports } from "@/lib/server/imports";
import { toImportResource } from "@/lib/server/import-resource";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/imports – billing-file imports, newest first (cursor pagination), with the upload limit,
// the organization's storage quota (used, remaining) and the file retention.
export const GET = withTenantRoute(
  async (ctx) => {
    const page = parseQuery(ctx.request, importListQuerySchema);
    const { items, nextCursor } = await listImports(ctx, page);
    return json(importListSchema, {
      items: items.map(toImportResource),
      nextCursor,
      limits: await importLimits(ctx),
    });
  },
  { permission: "imports.read" },
);

// POST /api/v1/imports – upload a billing file (multipart field `file`, optional `format`) and queue it;
// 413 at once past the file limit or the organization's quota.
export const POST = withTenantRoute(
  async (ctx) => json(importCreatedSchema, await createImportFromMultipart(ctx, ctx.request), 202),
  { permission: "imports.create" },
);
