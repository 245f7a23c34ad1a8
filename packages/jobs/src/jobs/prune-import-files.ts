import { z } from "zod";
import { expiredImportFiles, markImportFilesDeleted, type Connection } from "@canopy/db";
import { defineJob } from "../contract";
import type { FileStore } from "../file-store";
import { fileStoreOf } from "../import/import-file";

const BATCH = 500;

/**
 * Deletes the uploaded files of finished imports (succeeded, failed, or declined — which is failed)
 * that finished more than `retentionDays` ago, through the file store, and marks each run
 * (details.fileDeletedAt). Imports queued, running or awaiting confirmation keep their file whatever
 * their age: they still need it. Only the file goes: the usage an import stored, its summary and its
 * previous versions stay. As the owner, across organizations. Returns how many files were deleted.
 */
export async function deleteExpiredImportFiles(
  owner: Connection,
  store: Pick<FileStore, "remove">,
  retentionDays: number,
  log: (line: string) => void = () => undefined,
): Promise<{ deleted: number; failed: number }> {
  let deleted = 0;
  let failed = 0;
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const batch = await expiredImportFiles(owner, retentionDays, after, BATCH);
    const gone: string[] = [];
    for (const run of batch) {
      try {
        await store.remove(run.fileKey);
        gone.push(run.id);
      } catch (error) {
        // Left unmarked (still counted, tried again tomorrow); the others go ahead.
        failed++;
        log(
          `prune-import-files: could not delete the file of import ${run.id}: ${(error as Error).message}`,
        );
      }
    }
    if (gone.length) {
      deleted += await markImportFilesDeleted(owner, gone, new Date().toISOString());
    }
    if (batch.length < BATCH) break;
    after = batch.at(-1)!.id;
  }
  return { deleted, failed };
}

/**
 * Daily clean-up of uploaded billing files (CANOPY_IMPORT_FILE_RETENTION_DAYS; 0 keeps every file):
 * see deleteExpiredImportFiles. An import whose file is gone says so (summary.fileDeletedAt) and can
 * no longer be confirmed; its file no longer counts against the organization's storage quota.
 */
export const pruneImportFiles = defineJob({
  name: "prune-import-files",
  payload: z.object({ retentionDays: z.number().int().min(0) }),
  options: { attempts: 3, backoffMs: 60_000, concurrency: 1 },
  async process(payload, deps) {
    if (payload.retentionDays === 0) return { deleted: 0, failed: 0 };
    const outcome = await deleteExpiredImportFiles(
      deps.owner,
      fileStoreOf(deps, "prune-import-files"),
      payload.retentionDays,
      deps.log,
    );
    if (outcome.deleted > 0)
      deps.log(
        `prune-import-files: deleted ${outcome.deleted} uploaded file(s) of imports finished more than ${payload.retentionDays} days ago`,
      );
    if (outcome.failed > 0) throw new Error(`${outcome.failed} file(s) could not be deleted`);
    return outcome;
  },
});
