import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { withTenantClient, type Connection } from "@canopy/db";
import type { QueueDriver } from "../contract";
import { safeFileName, type FileStore, type LocalFile } from "../file-store";
import { emptySummary } from "./summary";

/**
 * Accepts a billing file for an organization: stores it, records a queued import (a sync run of kind
 * "import") and queues `import-file`. Used by the web upload and `canopy import`. Throws
 * FileTooLargeError (nothing kept) when the file passes `maxBytes`.
 */
export async function submitImport(options: {
  app: Connection;
  store: FileStore;
  driver: Pick<QueueDriver, "enqueue">;
  tenantId: string;
  fileName: string;
  source: Readable | LocalFile;
  maxBytes: number;
  format?: string;
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
  const { bytes } = await options.store.put(fileKey, options.source, options.maxBytes);
  const details = {
    ...emptySummary(options.fileName, fileKey, bytes),
    ...(options.format ? { format: options.format } : {}),
    ...(options.cloudAccountId ? { expectedCloudAccountId: options.cloudAccountId } : {}),
    ...(options.replace ? { replaceConfirmed: true } : {}),
  };
  await withTenantClient(options.app, options.tenantId, (client) =>
    client.query(
      `INSERT INTO sync_runs (id, tenant_id, kind, status, details) VALUES ($1, $2, 'import', 'queued', $3)`,
      [syncRunId, options.tenantId, details],
    ),
  );
  await options.driver.enqueue(
    "import-file",
    { tenantId: options.tenantId, syncRunId },
    { jobId: `import:${syncRunId}` },
  );
  return { syncRunId };
}
