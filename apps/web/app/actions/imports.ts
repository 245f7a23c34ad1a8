"use server";
import { z } from "zod";
import { withTenantAction } from "@/lib/server/action";
import { confirmImportRun, discardImportRun, restoreImportRun } from "@/lib/server/import-versions";

const importId = z.uuid("Not a valid import id.");

/**
 * "Replace stored data": an import awaiting confirmation runs again with the replacement allowed. The
 * uploader keeps polling the import until it is done. Refused (409 not_awaiting_confirmation, with the
 * state) for an import in any other state.
 */
export const confirmImportReplacement = withTenantAction(
  z.object({ importId }),
  async (input, ctx) => {
    const run = await confirmImportRun(ctx, input.importId);
    return { id: run.id, status: run.status };
  },
  { permission: "imports.create" },
);

/**
 * "Don't import": the user declines the replacement. The import is marked failed ("Not imported: the
 * replacement was declined."), its details kept; stored usage does not change.
 */
export const discardImport = withTenantAction(
  z.object({ importId }),
  async (input, ctx) => {
    const run = await discardImportRun(ctx, input.importId);
    return { id: run.id, status: run.status, error: run.error };
  },
  { permission: "imports.create" },
);

/**
 * "Restore previous version" on /imports, for an import or a sync that replaced stored data: its
 * usage stops counting and what it replaced counts again (re-estimated). Refused (409 restore_refused)
 * with the reason: replaced since by another run, already restored, not finished, or recorded before
 * Canopy kept previous versions.
 */
export const restoreImportVersion = withTenantAction(
  z.object({ importId }),
  async (input, ctx) => restoreImportRun(ctx, input.importId, ["import", "sync"]),
  { permission: "imports.create" },
);
