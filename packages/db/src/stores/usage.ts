import type { PoolClient } from "pg";
import Cursor from "pg-cursor";
import { copyRows } from "../bulk/copy";
import { windowArrays, type AccountWindow } from "./windows";

/** One usage_hourly row as the pipeline writes and reads it. */
export type UsageRow = {
  cloudAccountId: string;
  hour: Date;
  dimsKey: string;
  periodHours: number;
  provider: "aws" | "azure" | "gcp";
  service: string;
  region: string;
  kind: string;
  unit: string;
  usageType: string;
  instanceType: string;
  vcpus: number | null;
  memoryGb: number | null;
  gpuModel: string | null;
  gpuCount: number | null;
  storageClass: string | null;
  replicationHint: number | null;
  cpuUtilization: number | null;
  quantity: number;
  /** Decimal string, so money never passes through a float on its way to numeric(20,8). */
  costAmount: string | null;
  currency: string | null;
  tags: Record<string, string>;
  syncRunId: string | null;
};

const columns = [
  "tenant_id",
  "cloud_account_id",
  "hour",
  "dims_key",
  "period_hours",
  "provider",
  "service",
  "region",
  "kind",
  "unit",
  "usage_type",
  "instance_type",
  "vcpus",
  "memory_gb",
  "gpu_model",
  "gpu_count",
  "storage_class",
  "replication_hint",
  "cpu_utilization",
  "quantity",
  "cost_amount",
  "currency",
  "tags",
  "sync_run_id",
] as const;

/**
 * Replaces the usage of each (account, window) with `rows`, in the caller's tenant transaction: rows
 * are copied into a staging table, the windows are deleted, the staging rows inserted. Importing the
 * same data again therefore replaces it instead of adding to it. Returns the rows written.
 */
export async function replaceUsageWindows(
  client: PoolClient,
  tenantId: string,
  windows: readonly AccountWindow[],
  rows: Iterable<UsageRow> | AsyncIterable<UsageRow>,
): Promise<{ rowsWritten: number; rowsReplaced: number }> {
  await client.query("DROP TABLE IF EXISTS usage_staging");
  await client.query(
    "CREATE TEMP TABLE usage_staging (LIKE usage_hourly INCLUDING DEFAULTS) ON COMMIT DROP",
  );
  await copyRows(client, "usage_staging", columns, toCopyRows(tenantId, rows));
  const deleted = await client.query(
    `DELETE FROM usage_hourly u
     USING unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
     WHERE u.cloud_account_id = w.account_id AND u.hour >= w.start_at AND u.hour < w.end_at`,
    windowArrays(windows),
  );
  const inserted = await client.query("INSERT INTO usage_hourly SELECT * FROM usage_staging");
  return { rowsWritten: inserted.rowCount ?? 0, rowsReplaced: deleted.rowCount ?? 0 };
}

async function* toCopyRows(tenantId: string, rows: Iterable<UsageRow> | AsyncIterable<UsageRow>) {
  for await (const r of rows) {
    yield [
      tenantId,
      r.cloudAccountId,
      r.hour,
      r.dimsKey,
      r.periodHours,
      r.provider,
      r.service,
      r.region,
      r.kind,
      r.unit,
      r.usageType,
      r.instanceType,
      r.vcpus,
      r.memoryGb,
      r.gpuModel,
      r.gpuCount,
      r.storageClass,
      r.replicationHint,
      r.cpuUtilization,
      r.quantity,
      r.costAmount,
      r.currency,
      r.tags,
      r.syncRunId,
    ] as const;
  }
}

/**
 * Streams the usage of one account window in pages (a server-side cursor), so memory stays flat.
 * Must run inside the caller's tenant transaction.
 */
export async function* readUsageWindow(
  client: PoolClient,
  window: AccountWindow,
  pageSize = 20_000,
): AsyncGenerator<UsageRow[]> {
  const cursor = client.query(
    new Cursor(
      `SELECT cloud_account_id AS "cloudAccountId", hour, dims_key AS "dimsKey", period_hours AS "periodHours",
              provider, service, region, kind, unit, usage_type AS "usageType", instance_type AS "instanceType",
              vcpus, memory_gb AS "memoryGb", gpu_model AS "gpuModel", gpu_count AS "gpuCount",
              storage_class AS "storageClass", replication_hint AS "replicationHint",
              cpu_utilization AS "cpuUtilization", quantity, cost_amount::text AS "costAmount", currency, tags,
              sync_run_id AS "syncRunId"
       FROM usage_hourly WHERE cloud_account_id = $1 AND hour >= $2 AND hour < $3`,
      [window.cloudAccountId, window.start, window.end],
    ),
  );
  try {
    for (;;) {
      const page = (await cursor.read(pageSize)) as UsageRow[];
      if (page.length === 0) return;
      yield page;
    }
  } finally {
    await cursor.close();
  }
}
