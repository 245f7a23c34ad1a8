import "server-only";
import {
  declineAwaitingImport,
  importSummaryOfRun,
  syncRunRowOfKinds,
  type ImportRunRow,
  type SyncRunDetails,
} from "@canopy/db";
import { confirmImport, ImportFileGoneError, ImportStateError, restoreRun } from "@canopy/jobs";
import { ApiError, notFound } from "./api-error";
import { writeAudit } from "./audit";
import { appDb } from "./db";
import { fileStore, queue } from "./queue";
import type { ImportRow } from "./imports";
import type { TenantScope } from "./tenant-scope";

/** The message a declined import keeps as its error. */
export const DECLINED_MESSAGE = "Not imported: the replacement was declined.";

type RunKind = "import" | "sync";

/** The run in the caller's organization (row-level security), or a 404. */
async function findRun(
  scope: TenantScope,
  id: string,
  kinds: readonly RunKind[],
): Promise<ImportRunRow<SyncRunDetails> & { kind: RunKind }> {
  const row = await scope.sql((client) => syncRunRowOfKinds(client, id, kinds));
  if (!row) throw notFound(kinds.includes("sync") ? "Import or sync" : "Import");
  return row;
}

/** The import in the caller's organization, with its summary, or a 404. */
async function findImport(scope: TenantScope, id: string): Promise<ImportRow & { kind: RunKind }> {
  const run = await findRun(scope, id, ["import"]);
  return { ...run, details: importSummaryOfRun(run) };
}

const stateError = (code: string, error: unknown): unknown =>
  error instanceof ImportFileGoneError
    ? new ApiError(409, "file_not_kept", error.message)
    : error instanceof ImportStateError
      ? new ApiError(409, code, error.message)
      : error;

/**
 * The user confirms an import waiting for confirmation: it is queued again with the replacement
 * allowed. 409 `not_awaiting_confirmation` in any other state, 409 `file_not_kept` when its stored
 * file (which it imports again) is gone.
 */
export async function confirmImportRun(scope: TenantScope, id: string): Promise<ImportRow> {
  const run = await findImport(scope, id);
  try {
    await confirmImport({
      app: appDb(),
      driver: queue(),
      store: fileStore(),
      tenantId: scope.principal.tenantId,
      syncRunId: run.id,
    });
  } catch (error) {
    throw stateError("not_awaiting_confirmation", error);
  }
  await scope.sql((client) =>
    writeAudit(
      client,
      scope.principal,
      "import.confirm_replacement",
      { type: "import", id: run.id },
      {
        fileName: run.details?.fileName ?? null,
        accounts: (run.details?.preview?.accounts ?? []).map((a) => ({
          cloudAccountId: a.cloudAccountId,
          start: a.start,
          end: a.end,
          storedRows: a.stored.rows,
          arrivingRows: a.arriving.rows,
        })),
      },
    ),
  );
  return findImport(scope, id);
}

/**
 * An import waiting for confirmation that the user declines: marked failed with DECLINED_MESSAGE,
 * its details (and preview) kept; no usage changes. 409 `not_awaiting_confirmation` in any other state.
 */
export async function discardImportRun(scope: TenantScope, id: string): Promise<ImportRow> {
  const run = await findImport(scope, id);
  const declined = await scope.sql(async (client) => {
    if (!(await declineAwaitingImport(client, run.id, DECLINED_MESSAGE))) return false;
    await writeAudit(
      client,
      scope.principal,
      "import.discard",
      { type: "import", id: run.id },
      { fileName: run.details?.fileName ?? null },
    );
    return true;
  });
  if (!declined)
    throw new ApiError(
      409,
      "not_awaiting_confirmation",
      `The import is ${run.status.replace("_", " ")}, not awaiting confirmation.`,
    );
  return findImport(scope, id);
}

/**
 * Restores the version an import (or, from the imports page, a sync) replaced: its rows stop
 * counting, what it replaced counts again, estimates are re-queued. 409 `restore_refused` with the
 * reason when refused (replaced since, already restored, not finished, recorded before versioning).
 */
export async function restoreImportRun(
  scope: TenantScope,
  id: string,
  kinds: readonly RunKind[] = ["import"],
): Promise<{ rowsWithdrawn: number; rowsRestored: number }> {
  const run = await findRun(scope, id, kinds);
  let outcome;
  try {
    outcome = await restoreRun({
      app: appDb(),
      driver: queue(),
      tenantId: scope.principal.tenantId,
      syncRunId: run.id,
    });
  } catch (error) {
    throw stateError("restore_refused", error);
  }
  await scope.sql((client) =>
    writeAudit(
      client,
      scope.principal,
      "import.restore",
      { type: run.kind, id: run.id },
      {
        fileName: importSummaryOfRun(run)?.fileName ?? null,
        rowsWithdrawn: outcome.rowsWithdrawn,
        rowsRestored: outcome.rowsRestored,
        windows: outcome.windows.map((w) => ({
          cloudAccountId: w.cloudAccountId,
          start: w.start.toISOString(),
          end: w.end.toISOString(),
        })),
      },
    ),
  );
  return { rowsWithdrawn: outcome.rowsWithdrawn, rowsRestored: outcome.rowsRestored };
}
