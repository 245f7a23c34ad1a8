import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { BillingFormat } from "@canopy/connectors";
import {
  insertQueuedImport,
  lockImportQuota,
  storedImportBytes,
  withTenantClient,
  type Connection,
} from "@canopy/db";
import type { QueueDriver } from "../contract";
import { FileTooLargeError, safeFileName, type FileStore, type LocalFile } from "../file-store";
import { ImportQuotaExceededError, importStorage, storageOf } from "./storage";
import { emptySummary } from "./summary";

/**
 * Accepts a billing file for an organization: stores it, records a queued import (a sync run of kind
 * "import") and queues `import-file`. Used by the web upload and `canopy import`. Throws
 * FileTooLargeError (nothing kept) when the file passes `maxBytes`, and ImportQuotaExceededError
 * (nothing kept) when the organization's files still kept plus this one would pass `quotaBytes`: the
 * store stops reading at whichever comes first.
 */
export async function submitImport(options: {
  app: Connection;
  store: FileStore;
  driver: Pick<QueueDriver, "enqueue">;
  tenantId: string;
  fileName: string;
  source: Readable | LocalFile;
  maxBytes: number;
  /** CANOPY_IMPORT_QUOTA_BYTES: bytes of stored files the organization may keep; 0 or unset: no quota. */
  quotaBytes?: number;
  format?: BillingFormat;
  /**
   * The account being set up (the wizard's import step): the import stores nothing and fails with the
   * accounts the file holds when they are not this one.
   */
  cloudAccountId?: string;
  /** Replace stored data even where the file removes data it does not re-supply (see ReplacementPreview). */
  replace?: boolean;
}): Promise<{ syncRunId: string }> {
  const syncRunId = randomUUID();
  const fileKey = `${options.tenantId}/${syncRunId}/${safeFileName(options.fileName)}`;
  const quotaBytes = options.quotaBytes ?? 0;
  const before =
    quotaBytes > 0 ? await importStorage(options.app, options.tenantId, quotaBytes) : undefined;
  const remaining = before?.remainingBytes ?? Infinity;
  if (before && remaining <= 0)
    throw new ImportQuotaExceededError({ ...before, quotaBytes, remainingBytes: 0 });
  // Stop reading at the file limit or at what the quota leaves, whichever is smaller.
  const limit = Math.min(options.maxBytes, remaining);
  let bytes: number;
  try {
    ({ bytes } = await options.store.put(fileKey, options.source, limit));
  } catch (error) {
    if (error instanceof FileTooLargeError && before && limit < options.maxBytes)
      throw new ImportQuotaExceededError({ ...before, quotaBytes, remainingBytes: remaining });
    throw error;
  }
  const details = {
    ...emptySummary(options.fileName, fileKey, bytes),
    ...(options.format ? { format: options.format } : {}),
    ...(options.cloudAccountId ? { expectedCloudAccountId: options.cloudAccountId } : {}),
    ...(options.replace ? { replaceConfirmed: true } : {}),
  };
  try {
    await withTenantClient(options.app, options.tenantId, async (client) => {
      if (quotaBytes > 0) {
        // Uploads of one organization running at once each passed the check above: the last word is
        // here, one at a time per organization, counting the files recorded meanwhile.
        await lockImportQuota(client, options.tenantId);
        const used = await storedImportBytes(client);
        if (used + bytes > quotaBytes) {
          const now = storageOf(used, quotaBytes);
          throw new ImportQuotaExceededError(
            { ...now, quotaBytes, remainingBytes: now.remainingBytes ?? 0 },
            bytes,
          );
        }
      }
      await insertQueuedImport(client, { id: syncRunId, tenantId: options.tenantId, details });
    });
  } catch (error) {
    await options.store.remove(fileKey);
    throw error;
  }
  await options.driver.enqueue(
    "import-file",
    { tenantId: options.tenantId, syncRunId },
    { jobId: `import:${syncRunId}` },
  );
  return { syncRunId };
}
