import "server-only";
import { GridIntensityError, latestGridLoads } from "@canopy/db";
import { queueGridRestatement, type GridRestatement } from "@canopy/jobs";
import {
  GridDatasetError,
  importGridDataset,
  type GridDatasetImportResult,
} from "@canopy/jobs/grid-dataset";
import { ApiError, badRequest } from "./api-error";
import { appDb, inlineJobsOwnerDb } from "./db";
import { serverEnv } from "./env";
import { queue } from "./queue";

/** A yearly file is about 1 MB (8,784 rows); the page proxy copies at most 10 MB of a body. */
export const gridDatasetMaxBytes = 8 * 1024 * 1024;

export type GridLoad = {
  id: string;
  source: string;
  sourceVersion: string;
  label: string;
  zones: string[];
  firstHour: string | null;
  lastHour: string | null;
  rowsWritten: number;
  rowsRevised: number;
  loadedAt: string;
  /** A sync attempt that failed (source down, key refused) is a load with no values and its error. */
  failure: string | null;
};

/** The latest loads of the shared grid-intensity store (reference data: the app role may read it). */
export async function listGridLoads(limit = 50): Promise<GridLoad[]> {
  const rows = await latestGridLoads(appDb(), limit);
  return rows.map((row) => ({
    ...row,
    firstHour: row.firstHour && new Date(row.firstHour).toISOString(),
    lastHour: row.lastHour && new Date(row.lastHour).toISOString(),
    loadedAt: new Date(row.loadedAt).toISOString(),
  }));
}

/**
 * Loads an uploaded Electricity Maps hourly dataset file (multipart field `file`). The grid store is
 * written by the database owner, which this process holds only when it runs jobs inline (no
 * REDIS_URL); with a worker, the CLI (`canopy grid import`) loads files.
 */
export async function importGridDatasetUpload(
  request: Request,
): Promise<GridDatasetImportResult & { restatement: GridRestatement | null }> {
  if (serverEnv().REDIS_URL)
    throw new ApiError(
      503,
      "owner_connection_unavailable",
      "This web server runs its jobs on a worker and never connects as the database owner: load dataset files with `pnpm canopy grid import <files>` on the worker host.",
    );
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > gridDatasetMaxBytes)
    throw new ApiError(413, "file_too_large", "A dataset file is at most 8 MiB (one zone-year).");
  const form = await request.formData().catch(() => {
    throw badRequest("Send the dataset file as multipart/form-data in a field named `file`.");
  });
  const file = form.get("file");
  if (!(file instanceof File))
    throw badRequest("Send the dataset file in a field named `file`.", {
      file: ["A file is required."],
    });
  if (file.size > gridDatasetMaxBytes)
    throw new ApiError(413, "file_too_large", "A dataset file is at most 8 MiB (one zone-year).");
  const owner = inlineJobsOwnerDb();
  let restatement: GridRestatement | null = null;
  // Every organization's windows in the load's zones and hours are re-estimated by the queue.
  const afterLoad = async (load: Parameters<typeof queueGridRestatement>[1]) => {
    const driver = queue();
    restatement = await queueGridRestatement({ owner, enqueue: driver.enqueue.bind(driver) }, load);
  };
  try {
    const result = await importGridDataset(
      { owner, afterLoad },
      file.name,
      file.stream() as unknown as AsyncIterable<Uint8Array>,
    );
    return { ...result, restatement };
  } catch (error) {
    if (error instanceof GridDatasetError)
      throw new ApiError(422, "invalid_dataset", `${error.message}. Nothing was stored.`, {
        file: [`line ${error.line}`],
      });
    if (error instanceof GridIntensityError)
      throw new ApiError(422, "invalid_dataset", `${error.message}. Nothing was stored.`);
    throw error;
  }
}
