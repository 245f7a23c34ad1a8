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

/** One classified usage record as it is staged for an import or sync (before hourly aggregation). */
export type StagedUsage = {
  provider: "aws" | "azure" | "gcp";
  providerAccountId: string;
  /** ISO-8601 start of the period. */
  periodStart: string;
  periodHours: number;
  service: string;
  region: string;
  kind: string;
  unit: string;
  usageType: string;
  instanceType: string;
  vcpus?: number | undefined;
  memoryGb?: number | undefined;
  gpuModel?: string | undefined;
  gpuCount?: number | undefined;
  storageClass?: string | undefined;
  replicationHint?: number | undefined;
  cpuUtilization?: number | undefined;
  quantity: number;
  costAmount?: number | undefined;
  currency?: string | undefined;
  tags?: Record<string, string> | undefined;
};

const stagedColumns = [
  "provider",
  "provider_account_id",
  "hour",
  "period_hours",
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
] as const;

async function* stagedCopyRows(records: AsyncIterable<StagedUsage>) {
  for await (const r of records) {
    yield [
      r.provider,
      r.providerAccountId,
      r.periodStart,
      r.periodHours,
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
      r.tags ? JSON.stringify(r.tags) : null,
    ] as const;
  }
}

const accountNames = {
  aws: "AWS account",
  azure: "Azure subscription",
  gcp: "GCP project",
} as const;

/** usage_hourly.dims_key: a hash of the grouping columns, so the same usage always lands on the same key. */
const dimsKeySql = `md5(concat_ws(E'\\x1f', r.service, r.region, r.kind, r.unit, r.usage_type, r.instance_type,
  coalesce(r.storage_class, ''), coalesce(r.gpu_model, ''), coalesce(r.tags::text, '')))`;

export type UsageWriteResult = {
  windows: AccountWindow[];
  rowsWritten: number;
  recordsStaged: number;
};

/**
 * Writes a stream of classified usage records for an organization, in the caller's tenant
 * transaction, as one set-based replacement:
 * 1. the records are copied into a temporary staging table (COPY; PostgreSQL refuses COPY into a
 *    table under row-level security, and staging lets the database do the aggregation);
 * 2. each provider account found gets its cloud_accounts row (created on first sight);
 * 3. per account, the window the records cover is deleted from usage_hourly, and the records,
 *    summed by hour and dimensions, inserted (RLS checks every row).
 * Writing the same records again therefore replaces them; a failure anywhere rolls everything back.
 * Memory stays flat however many records there are. Concurrent writers of one account queue up.
 */
export async function writeUsageRecords(
  client: PoolClient,
  tenantId: string,
  syncRunId: string | null,
  records: AsyncIterable<StagedUsage>,
): Promise<UsageWriteResult> {
  // Enough memory to hash-aggregate a large file instead of sorting it on disk (this transaction only).
  await client.query("SET LOCAL work_mem = '256MB'");
  await client.query("DROP TABLE IF EXISTS usage_staging");
  await client.query(`CREATE TEMP TABLE usage_staging (
    provider cloud_provider NOT NULL, provider_account_id text NOT NULL, hour timestamptz NOT NULL,
    period_hours real NOT NULL, service text NOT NULL, region text NOT NULL, kind text NOT NULL, unit text NOT NULL,
    usage_type text NOT NULL, instance_type text NOT NULL, vcpus real, memory_gb real, gpu_model text, gpu_count real,
    storage_class text, replication_hint real, cpu_utilization real, quantity double precision NOT NULL,
    cost_amount numeric, currency text, tags jsonb
  ) ON COMMIT DROP`);
  const recordsStaged = await copyRows(
    client,
    "usage_staging",
    stagedColumns,
    stagedCopyRows(records),
  );

  const spans = await client.query<{
    provider: "aws" | "azure" | "gcp";
    providerAccountId: string;
    start: Date;
    end: Date;
  }>(
    `SELECT provider, provider_account_id AS "providerAccountId", min(hour) AS start,
            max(hour + make_interval(secs => period_hours * 3600)) AS "end"
     FROM usage_staging GROUP BY provider, provider_account_id ORDER BY provider, provider_account_id`,
  );
  await client.query("DROP TABLE IF EXISTS usage_staging_accounts");
  await client.query(
    "CREATE TEMP TABLE usage_staging_accounts (provider cloud_provider, provider_account_id text, id uuid) ON COMMIT DROP",
  );
  const windows: AccountWindow[] = [];
  for (const span of spans.rows) {
    const account = await client.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, $2, $3, $4, 'active')
       ON CONFLICT (tenant_id, provider, provider_account_id) DO UPDATE SET last_sync_at = now()
       RETURNING id`,
      [
        tenantId,
        span.provider,
        `${accountNames[span.provider]} ${span.providerAccountId}`,
        span.providerAccountId,
      ],
    );
    const id = account.rows[0]!.id;
    await client.query("INSERT INTO usage_staging_accounts VALUES ($1, $2, $3)", [
      span.provider,
      span.providerAccountId,
      id,
    ]);
    windows.push({ cloudAccountId: id, start: span.start, end: span.end });
  }
  await lockAccounts(client, windows);
  await client.query("ANALYZE usage_staging");
  await client.query("ANALYZE usage_staging_accounts");
  await client.query(
    `DELETE FROM usage_hourly u
     USING unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
     WHERE u.cloud_account_id = w.account_id AND u.hour >= w.start_at AND u.hour < w.end_at`,
    windowArrays(windows),
  );
  const inserted = await client.query(
    `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, period_hours, provider, service, region, kind,
       unit, usage_type, instance_type, vcpus, memory_gb, gpu_model, gpu_count, storage_class, replication_hint,
       cpu_utilization, quantity, cost_amount, currency, tags, sync_run_id, shape_key)
     SELECT $1::uuid, a.id, r.hour, ${dimsKeySql}, max(r.period_hours), r.provider, r.service, r.region, r.kind, r.unit,
       r.usage_type, r.instance_type, max(r.vcpus), max(r.memory_gb), r.gpu_model, max(r.gpu_count), r.storage_class,
       max(r.replication_hint),
       sum(r.cpu_utilization * r.quantity) / nullif(sum(r.quantity) FILTER (WHERE r.cpu_utilization IS NOT NULL), 0),
       sum(r.quantity), sum(r.cost_amount), max(r.currency), coalesce(r.tags, '{}'::jsonb), $2::uuid,
       usage_shape_key(r.provider, r.region, max(r.period_hours), r.kind, r.unit, r.service, r.usage_type,
         r.instance_type, max(r.vcpus), max(r.memory_gb), r.storage_class, max(r.replication_hint), r.gpu_model,
         max(r.gpu_count),
         (sum(r.cpu_utilization * r.quantity) / nullif(sum(r.quantity) FILTER (WHERE r.cpu_utilization IS NOT NULL), 0))::real)
     FROM usage_staging r
     JOIN usage_staging_accounts a ON a.provider = r.provider AND a.provider_account_id = r.provider_account_id
     GROUP BY a.id, r.hour, r.provider, r.service, r.region, r.kind, r.unit, r.usage_type, r.instance_type,
       r.storage_class, r.gpu_model, r.tags`,
    [tenantId, syncRunId],
  );
  return { windows, rowsWritten: inserted.rowCount ?? 0, recordsStaged };
}

/** Serializes writers of the same accounts (sorted, so two writers never deadlock). */
export async function lockAccounts(
  client: PoolClient,
  windows: readonly AccountWindow[],
): Promise<void> {
  const accounts = [...new Set(windows.map((w) => w.cloudAccountId))].sort();
  for (const account of accounts) {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 727))", [account]);
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
