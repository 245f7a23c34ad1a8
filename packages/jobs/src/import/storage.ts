import { storedImportBytes, withTenantClient, type Connection } from "@canopy/db";
import { formatBytes } from "../format-bytes";

/**
 * An organization's stored billing files against its quota (CANOPY_IMPORT_QUOTA_BYTES): the bytes of
 * the files of its imports that are still kept (details.bytes of runs of kind import whose file the
 * retention has not deleted, details.fileDeletedAt). `quotaBytes` 0 means no quota (remainingBytes null).
 */
export type ImportStorage = {
  usedBytes: number;
  quotaBytes: number;
  remainingBytes: number | null;
};

/** An upload would take the organization's stored billing files past its quota. Nothing was kept. */
export class ImportQuotaExceededError extends Error {
  override name = "ImportQuotaExceededError";
  constructor(
    readonly storage: ImportStorage & { quotaBytes: number; remainingBytes: number },
    /** The upload's size, when known (a local file, or a complete upload). */
    readonly uploadBytes?: number,
  ) {
    super(quotaMessage(storage, uploadBytes));
  }
}

export function quotaMessage(
  storage: { usedBytes: number; quotaBytes: number; remainingBytes: number },
  uploadBytes?: number,
): string {
  const size = uploadBytes === undefined ? "" : ` (${formatBytes(uploadBytes)})`;
  return (
    `The file${size} would pass the organization's ${formatBytes(storage.quotaBytes)} storage quota for ` +
    `billing files (CANOPY_IMPORT_QUOTA_BYTES): ${formatBytes(storage.usedBytes)} used by the files still ` +
    `kept, ${formatBytes(storage.remainingBytes)} remaining. Stored files are deleted some time after their ` +
    `import finishes (CANOPY_IMPORT_FILE_RETENTION_DAYS).`
  );
}

export function storageOf(usedBytes: number, quotaBytes: number): ImportStorage {
  return {
    usedBytes,
    quotaBytes,
    remainingBytes: quotaBytes > 0 ? Math.max(0, quotaBytes - usedBytes) : null,
  };
}

/** The organization's stored billing files against `quotaBytes` (0: no quota). */
export async function importStorage(
  app: Connection,
  tenantId: string,
  quotaBytes: number,
): Promise<ImportStorage> {
  const used = await withTenantClient(app, tenantId, storedImportBytes);
  return storageOf(used, quotaBytes);
}

/** Why an import cannot read its file again: which file, and since when it is gone. */
export function fileGoneMessage(summary: { fileName: string; fileDeletedAt?: string }): string {
  const when = summary.fileDeletedAt
    ? ` (deleted on ${summary.fileDeletedAt.slice(0, 10)} after the retention period, CANOPY_IMPORT_FILE_RETENTION_DAYS)`
    : "";
  return (
    `The uploaded file ${summary.fileName} is no longer kept${when}, so it cannot be imported again. ` +
    `The usage it imported is unchanged; upload the file again to import it.`
  );
}
