import {
  requeueConfirmedImport,
  RestoreRefusedError,
  restoreReplacedUsage,
  importSummaryOfRun,
  syncRunRowOfKinds,
  withTenantClient,
  type AccountWindow,
  type Connection,
} from "@canopy/db";
import type { QueueDriver } from "../contract";
import type { FileStore } from "../file-store";
import { queueMonthlyEstimates } from "../months";
import { fileGoneMessage } from "./storage";

/** An import cannot be confirmed or restored in its current state; the message says why. */
export class ImportStateError extends Error {}

/**
 * The import would have to read its uploaded file again, and the file is no longer kept (deleted by
 * the retention, CANOPY_IMPORT_FILE_RETENTION_DAYS, or missing from the file store).
 */
export class ImportFileGoneError extends ImportStateError {
  override name = "ImportFileGoneError";
}

/** The import or sync with this id (re-estimation runs replace nothing and are not restored). */
async function loadRun(app: Connection, tenantId: string, syncRunId: string) {
  return withTenantClient(app, tenantId, (client) =>
    syncRunRowOfKinds(client, syncRunId, ["import", "sync", "backfill"]),
  );
}

/**
 * The user has seen what an import waiting for confirmation would replace and confirms it: the import
 * runs again (it reads its stored file again) with the replacement allowed. Refused for an import in
 * any other state, and with ImportFileGoneError when its file is no longer kept (marked deleted, or,
 * given `store`, missing from it).
 */
export async function confirmImport(options: {
  app: Connection;
  driver: Pick<QueueDriver, "enqueue">;
  tenantId: string;
  syncRunId: string;
  store?: Pick<FileStore, "exists">;
}): Promise<void> {
  const { app, driver, tenantId, syncRunId } = options;
  const before = await loadRun(app, tenantId, syncRunId);
  const waiting = before && importSummaryOfRun(before);
  if (waiting && before.status === "awaiting_confirmation") {
    const gone =
      !!waiting.fileDeletedAt ||
      (options.store ? !(await options.store.exists(waiting.fileKey)) : false);
    if (gone) throw new ImportFileGoneError(fileGoneMessage(waiting));
  }
  const requeued = await withTenantClient(app, tenantId, (client) =>
    requeueConfirmedImport(client, syncRunId),
  );
  if (!requeued) {
    const run = await loadRun(app, tenantId, syncRunId);
    const summary = run && importSummaryOfRun(run);
    if (!run || !summary) throw new ImportStateError("There is no such import.");
    if (run.status === "awaiting_confirmation" && summary.fileDeletedAt)
      throw new ImportFileGoneError(fileGoneMessage(summary));
    throw new ImportStateError(
      `The import is ${run.status.replace("_", " ")}, not awaiting confirmation.`,
    );
  }
  await driver.enqueue(
    "import-file",
    { tenantId, syncRunId },
    { jobId: `import:${syncRunId}:confirmed` },
  );
}

export type RestoreOutcome = {
  rowsWithdrawn: number;
  rowsRestored: number;
  windows: AccountWindow[];
};

/**
 * Restores the version an import or sync replaced: its usage stops counting (kept as a previous
 * version) and what it replaced counts again; the affected months are re-estimated and rolled up.
 * Refused with the reason when its days were replaced since, or it was restored already.
 */
export async function restoreRun(options: {
  app: Connection;
  driver: Pick<QueueDriver, "enqueue">;
  tenantId: string;
  syncRunId: string;
}): Promise<RestoreOutcome> {
  const { app, driver, tenantId, syncRunId } = options;
  const run = await loadRun(app, tenantId, syncRunId);
  if (!run) throw new ImportStateError("There is no such import or sync.");
  if (run.status !== "succeeded")
    throw new ImportStateError(
      `Only a finished import or sync can be restored; this one is ${run.status.replace("_", " ")}.`,
    );
  const coverage = run.details?.coverage;
  if (!coverage)
    throw new ImportStateError(
      "It was recorded before Canopy kept previous versions, so there is nothing to restore.",
    );
  const windows = coverage.map((w) => ({
    cloudAccountId: w.cloudAccountId,
    start: new Date(w.start),
    end: new Date(w.end),
  }));
  let outcome;
  try {
    outcome = await withTenantClient(app, tenantId, (client) =>
      restoreReplacedUsage(client, syncRunId, windows),
    );
  } catch (error) {
    if (error instanceof RestoreRefusedError) throw new ImportStateError(error.message);
    throw error;
  }
  await queueMonthlyEstimates(
    { enqueue: driver.enqueue.bind(driver) },
    tenantId,
    `restore-${syncRunId}`,
    windows,
  );
  return outcome;
}
