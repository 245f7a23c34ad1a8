import { json } from "@/lib/api/http";
import {
  idParamSchema,
  importAwaitingConfirmationSchema,
  importDetailSchema,
} from "@/lib/api/schemas";
import { getImport } from "@/lib/server/imports";
import { toImportDetail } from "@/lib/server/import-resource";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/imports/{id} – status, live progress, summary and (once estimated) totals added. An
// import that would replace stored data it does not re-supply answers 409
// `replacement_needs_confirmation` with the preview and the import (confirm with POST …/confirm).
export const GET = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const view = await getImport(ctx, id);
    const detail = toImportDetail(view);
    if (view.status === "awaiting_confirmation" && view.details?.preview) {
      return json(
        importAwaitingConfirmationSchema,
        {
          error: {
            code: "replacement_needs_confirmation",
            message:
              view.error ??
              "This file replaces stored usage it does not re-supply; confirm the replacement to go ahead.",
            preview: view.details.preview,
          },
          import: detail,
        },
        409,
      );
    }
    return json(importDetailSchema, detail);
  },
  { permission: "imports.read" },
);
