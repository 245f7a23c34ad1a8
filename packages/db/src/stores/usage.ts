import type { PoolClient } from "pg";
import Cursor from "pg-cursor";
import { costNotModelledKind, type UsageRecord } from "@canopy/methodology";
import { copyRows, copyText, encodeCopyValue } from "../bulk/copy";
import { withLocalSettings } from "./local-settings";
import {
  dayCeil,
  dayFloor,
  dayRanges,
  precedenceByDay,
  ReplacementNeedsConfirmationError,
  replacementPreview,
} from "./precedence";
import type { ReplacementPreview } from "../json/import-summary";
import type { SourceKind } from "./sources";
import { monthsBetween, windowArrays, type AccountWindow } from "./windows";

/** One usage_hourly row as the pipeline writes and reads it. */
export type UsageRow = {
  cloudAccountId: string;
  hour: Date;
  dimsKey: string;
  periodHours: number;
  provider: UsageRecord["provider"];
  service: string;
  region: string;
  kind: UsageRecord["kind"];
  unit: UsageRecord["unit"];
  usageType: string;
  instanceType: string;
  vcpus: number | null;
  memoryGb: number | null;
  gpuModel: string | null;
  gpuCount: number | null;
  storageClass: NonNullable<UsageRecord["storageClass"]> | null;
  replicationHint: number | null;
  cpuUtilization: number | null;
  quantity: number;
  /** Decimal string, so money never passes through a float on its way to numeric(20,8). */
  costAmount: string | null;
  currency: string | null;
  tags: Record<string, string>;
  syncRunId: string | null;
};

/**
 * One classified usage record as it is staged for an import or sync (before hourly aggregation): the
 * method's UsageRecord, without the fields staging does not keep.
 */
export type StagedUsage = Omit<UsageRecord, "resourceId" | "source">;

/** What an account is called at each provider; an `other` provider's id already names it ("Vercel:prj_shop"). */
const accountNames: Readonly<Record<StagedUsage["provider"], string>> = {
  aws: "AWS account",
  azure: "Azure subscription",
  gcp: "GCP project",
  oci: "OCI tenancy",
  ibm: "IBM Cloud account",
  alibaba: "Alibaba Cloud account",
  other: "",
};
const accountLabel = (provider: string, id: string): string =>
  `${accountNames[provider as StagedUsage["provider"]] ?? provider} ${id}`.trim();

/**
 * Everything that identifies a usage row besides its account and hour, and that its estimate depends on
 * besides quantity and CPU utilization. Records are interned to a small integer per distinct set as
 * they stream in, so the staging table that carries millions of records holds only numbers, PostgreSQL
 * aggregates on (account, hour, dimensions) integers, and the hashes (dims_key, shape_key) are computed
 * once per dimension set instead of once per row.
 */
type Dimensions = {
  provider: StagedUsage["provider"];
  service: string;
  region: string;
  kind: string;
  unit: string;
  usageType: string;
  instanceType: string;
  storageClass: string | null;
  gpuModel: string | null;
  periodHours: number;
  vcpus: number | null;
  memoryGb: number | null;
  gpuCount: number | null;
  replicationHint: number | null;
  currency: string | null;
  /** Tags as JSON with sorted keys (null when there are none): equal tag sets give equal text. */
  tagsJson: string | null;
};

/** Tags as JSON with sorted keys, or null when there are none. */
function canonicalTagsJson(tags: Record<string, string>): string | null {
  const keys = Object.keys(tags);
  if (keys.length === 0) return null;
  keys.sort();
  const sorted: Record<string, string> = {};
  for (const key of keys) sorted[key] = tags[key]!;
  return JSON.stringify(sorted);
}

/** The value a `real` column will hold, so two values PostgreSQL stores alike are interned alike. */
const real = (value: number | undefined) => (value === undefined ? null : Math.fround(value));

function dimensionsOf(r: StagedUsage, tagsJson: string | null): Dimensions {
  return {
    provider: r.provider,
    service: r.service,
    region: r.region,
    kind: r.kind,
    unit: r.unit,
    usageType: r.usageType ?? "",
    instanceType: r.instanceType ?? "",
    storageClass: r.storageClass || null,
    gpuModel: r.gpuModel || null,
    periodHours: Math.fround(r.periodHours),
    vcpus: real(r.vcpus),
    memoryGb: real(r.memoryGb),
    gpuCount: real(r.gpuCount),
    replicationHint: real(r.replicationHint),
    currency: r.currency ?? null,
    tagsJson,
  };
}

type AccountSpan = {
  provider: StagedUsage["provider"];
  providerAccountId: string;
  billingAccountId: string | null;
  startMs: number;
  endMs: number;
};

/** Interns accounts and dimensions while records stream to COPY, and tracks each account's span. */
class StagingIndex {
  readonly accounts: AccountSpan[] = [];
  private readonly accountIndex = new Map<string, number>();
  /** Dimension sets interned since the last `takeDimensions`; their indexes start at `firstDimension`. */
  private dimensions: Dimensions[] = [];
  private firstDimension = 0;
  private dimensionIndex = new Map<string, number>();
  /** Tag sets, interned: id 0 is "no tags"; equal sets given with their keys in another order share an id. */
  private tagSets: (string | null)[] = [null];
  private tagSetByGivenJson = new Map<string, number>();
  private tagSetByCanonicalJson = new Map<string, number>();
  private readonly periodStarts = new Map<string, number>();
  /** Whether a set of dimensions may have been given two indexes (see takeDimensions). */
  spilled = false;

  constructor(private readonly maxDimensions: number) {}

  get full(): boolean {
    return this.dimensions.length >= this.maxDimensions;
  }

  /**
   * The dimension sets interned so far, with their first index, and a fresh start for the next ones,
   * so memory stays bounded however many distinct sets a file has. A set seen again later gets a new
   * index (spilled); the writer then merges indexes with equal dimensions in SQL.
   */
  takeDimensions(): { firstIndex: number; dimensions: Dimensions[] } {
    const taken = { firstIndex: this.firstDimension, dimensions: this.dimensions };
    if (this.firstDimension > 0) this.spilled = true;
    this.firstDimension += this.dimensions.length;
    this.dimensions = [];
    this.dimensionIndex = new Map();
    this.tagSets = [null];
    this.tagSetByGivenJson = new Map();
    this.tagSetByCanonicalJson = new Map();
    return taken;
  }

  account(r: StagedUsage, startMs: number, endMs: number): number {
    const key = `${r.provider}\x1f${r.accountId}`;
    const index = this.accountIndex.get(key);
    if (index === undefined) {
      this.accountIndex.set(key, this.accounts.length);
      return (
        this.accounts.push({
          provider: r.provider,
          providerAccountId: r.accountId,
          billingAccountId: r.billingAccountId || null,
          startMs,
          endMs,
        }) - 1
      );
    }
    const account = this.accounts[index]!;
    if (account.billingAccountId === null && r.billingAccountId)
      account.billingAccountId = r.billingAccountId;
    if (startMs < account.startMs) account.startMs = startMs;
    if (endMs > account.endMs) account.endMs = endMs;
    return index;
  }

  tagSet(tags: Record<string, string> | undefined): number {
    if (!tags) return 0;
    const given = JSON.stringify(tags);
    let id = this.tagSetByGivenJson.get(given);
    if (id === undefined) {
      const canonical = canonicalTagsJson(tags);
      id = canonical === null ? 0 : this.tagSetByCanonicalJson.get(canonical);
      if (id === undefined) {
        id = this.tagSets.push(canonical) - 1;
        this.tagSetByCanonicalJson.set(canonical!, id);
      }
      this.tagSetByGivenJson.set(given, id);
    }
    return id;
  }

  /** Epoch milliseconds of an ISO period start (records repeat the same few hours over and over). */
  startMs(periodStart: string): number {
    let ms = this.periodStarts.get(periodStart);
    if (ms === undefined) {
      ms = Date.parse(periodStart);
      if (Number.isNaN(ms)) throw new Error(`Invalid usage period start: ${periodStart}`);
      if (this.periodStarts.size >= 100_000) this.periodStarts.clear();
      this.periodStarts.set(periodStart, ms);
    }
    return ms;
  }

  dimension(r: StagedUsage): number {
    const tagSet = this.tagSet(r.tags);
    const key =
      r.provider +
      "\x1f" +
      r.service +
      "\x1f" +
      r.region +
      "\x1f" +
      r.kind +
      "\x1f" +
      r.unit +
      "\x1f" +
      (r.usageType ?? "") +
      "\x1f" +
      (r.instanceType ?? "") +
      "\x1f" +
      (r.storageClass ?? "") +
      "\x1f" +
      (r.gpuModel ?? "") +
      "\x1f" +
      Math.fround(r.periodHours) +
      "\x1f" +
      real(r.vcpus) +
      "\x1f" +
      real(r.memoryGb) +
      "\x1f" +
      real(r.gpuCount) +
      "\x1f" +
      real(r.replicationHint) +
      "\x1f" +
      (r.currency ?? "") +
      "\x1f" +
      tagSet;
    const index = this.dimensionIndex.get(key);
    if (index !== undefined) return index;
    const next = this.firstDimension + this.dimensions.length;
    this.dimensionIndex.set(key, next);
    this.dimensions.push(dimensionsOf(r, this.tagSets[tagSet] ?? null));
    return next;
  }
}

const hourMs = 3_600_000;

/** A batch of records as COPY text lines of usage_staging (all numbers, so no escaping is needed). */
function encodeBatch(batch: readonly StagedUsage[], index: StagingIndex): string {
  let text = "";
  for (const r of batch) {
    const startMs = index.startMs(r.periodStart);
    text +=
      index.account(r, startMs, startMs + r.periodHours * hourMs) +
      "\t" +
      startMs +
      "\t" +
      index.dimension(r) +
      "\t" +
      encodeCopyValue(r.cpuUtilization) +
      "\t" +
      encodeCopyValue(r.quantity) +
      "\t" +
      encodeCopyValue(r.costAmount) +
      "\n";
  }
  return text;
}

const stagedColumns = [
  "account_ix",
  "start_ms",
  "dims_ix",
  "cpu_utilization",
  "quantity",
  "cost_amount",
] as const;

const dimensionColumns = [
  "ix",
  "provider",
  "service",
  "region",
  "kind",
  "unit",
  "usage_type",
  "instance_type",
  "storage_class",
  "gpu_model",
  "period_hours",
  "vcpus",
  "memory_gb",
  "gpu_count",
  "replication_hint",
  "currency",
  "tags",
] as const;

/**
 * usage_hourly.dims_key: a hash of the dimensions (columns of the row in scope), so the same usage always
 * lands on the same key. No tags hash alike whether they are NULL (staging) or {} (a stored row).
 */
export const dimsKeySql = `md5(concat_ws(E'\\x1f', service, region, kind, unit, usage_type, instance_type,
  coalesce(storage_class, ''), coalesce(gpu_model, ''), coalesce(nullif(tags, '{}'::jsonb)::text, ''), period_hours,
  coalesce(vcpus::text, '-'), coalesce(memory_gb::text, '-'), coalesce(gpu_count::text, '-'),
  coalesce(replication_hint::text, '-'), coalesce(currency, '-')))`;

/** usage_hourly.shape_key of the dimensions, for rows without a CPU utilization. */
export const shapeKeySql = (cpuUtilization: string, d = "") =>
  `usage_shape_key(${d}provider, ${d}region, ${d}period_hours, ${d}kind, ${d}unit, ${d}service, ${d}usage_type,
    ${d}instance_type, ${d}vcpus, ${d}memory_gb, ${d}storage_class, ${d}replication_hint, ${d}gpu_model, ${d}gpu_count,
    ${cpuUtilization})`;

/**
 * How many distinct dimension sets are kept in memory while staging (about 2 kB each with their tag
 * maps): more than a typical billing file has, and a bound for files whose tags differ on almost every
 * line (1M records with 400,000 distinct tag sets: 412 MB peak RSS with this bound, 970 MB without).
 */
const MAX_DIMENSIONS_IN_MEMORY = 100_000;

async function copyDimensions(
  client: PoolClient,
  { firstIndex, dimensions }: { firstIndex: number; dimensions: readonly Dimensions[] },
) {
  await copyRows(
    client,
    "usage_staging_dims",
    dimensionColumns,
    dimensions.map((d, i) => [
      firstIndex + i,
      d.provider,
      d.service,
      d.region,
      d.kind,
      d.unit,
      d.usageType,
      d.instanceType,
      d.storageClass,
      d.gpuModel,
      d.periodHours,
      d.vcpus,
      d.memoryGb,
      d.gpuCount,
      d.replicationHint,
      d.currency,
      d.tagsJson,
    ]),
  );
}

export type UsageWriteOptions = {
  /** What produced the records (usage_hourly.source_kind). */
  sourceKind: SourceKind;
  /**
   * A window the source covers in full (a sync's fetched window): every account it wrote, and the
   * accounts listed, claim its days even where no record fell, so usage the provider no longer
   * reports is replaced too.
   */
  coverage?: { start: Date; end: Date; cloudAccountIds?: readonly string[] } | undefined;
  /** Commit even when the replacement removes data it does not re-supply (see ReplacementPreview). */
  replace?: boolean | undefined;
  /** The only provider account the records may belong to (the wizard imports into one account). */
  onlyAccount?: { provider: StagedUsage["provider"]; providerAccountId: string } | undefined;
  maxDimensionsInMemory?: number | undefined;
};

export type UsageWriteResult = {
  /** Account windows whose counted usage changed: the ones to re-estimate. */
  windows: AccountWindow[];
  /** Rows now counting. */
  rowsWritten: number;
  /** Rows kept but not counted, because a source of higher precedence covers their days. */
  rowsOutranked: number;
  /** The days each account's records arrived for but did not take, and the source kinds that hold them. */
  outranked: (AccountWindow & { heldBy: string[] })[];
  /** What the write replaced, per account; null when it replaced nothing. */
  replaced: ReplacementPreview | null;
  recordsStaged: number;
};

/** The records belong to other accounts than the one they were meant for; nothing was written. */
export class UnexpectedAccountsError extends Error {
  constructor(
    readonly expected: { provider: string; providerAccountId: string },
    readonly found: { provider: string; providerAccountId: string }[],
  ) {
    super(
      `This file holds usage of ${found.map((a) => accountLabel(a.provider, a.providerAccountId)).join(", ")}, ` +
        `not only of ${accountLabel(expected.provider, expected.providerAccountId)}. Nothing was imported.`,
    );
  }
}

/** Every column of a usage row, in one order for usage_hourly and usage_superseded. */
export const USAGE_COLUMNS = `tenant_id, cloud_account_id, hour, dims_key, period_hours, provider, service, region, kind,
  unit, usage_type, instance_type, vcpus, memory_gb, gpu_model, gpu_count, storage_class, replication_hint,
  cpu_utilization, quantity, cost_amount, currency, tags, sync_run_id, source_kind, shape_key`;

/** Staged records summed by hour and dimensions, as usage rows; `days` picks the winning or losing days. */
function stagedRowsSql(days: "all" | "wins" | "loses"): string {
  const dayFilter =
    days === "all"
      ? ""
      : `JOIN usage_write_days t ON t.account_id = a.id AND t.wins = ${days === "wins"}
           AND t.day = ((timestamptz 'epoch' + g.start_ms * interval '1 millisecond') AT TIME ZONE 'UTC')::date`;
  return `SELECT $1::uuid, a.id, timestamptz 'epoch' + g.start_ms * interval '1 millisecond', d.dims_key, d.period_hours,
       d.provider, d.service, d.region, d.kind, d.unit, d.usage_type, d.instance_type, d.vcpus, d.memory_gb, d.gpu_model,
       d.gpu_count, d.storage_class, d.replication_hint, g.cpu_utilization, g.quantity, g.cost_amount, d.currency,
       coalesce(d.tags, '{}'::jsonb), $2::uuid, $3::text,
       CASE WHEN g.cpu_utilization IS NULL THEN d.shape_key ELSE ${shapeKeySql("g.cpu_utilization", "d.")} END
     FROM (
       SELECT account_ix, start_ms, dims_ix, sum(quantity) AS quantity, sum(cost_amount) AS cost_amount,
         (sum(cpu_utilization * quantity) / nullif(sum(quantity) FILTER (WHERE cpu_utilization IS NOT NULL), 0))::real
           AS cpu_utilization
       FROM usage_staging GROUP BY account_ix, start_ms, dims_ix
     ) g
     JOIN usage_staging_dims d ON d.ix = g.dims_ix
     JOIN usage_staging_accounts a ON a.ix = g.account_ix
     ${dayFilter}`;
}

/**
 * Writes a stream of classified usage records (in batches; see batchesOf) for an organization, in the
 * caller's tenant transaction, as one set-based step:
 * 1. the records are copied into a temporary staging table (COPY; PostgreSQL refuses COPY into a
 *    table under row-level security, and staging lets the database do the aggregation), with their
 *    account and dimensions interned to integers on the way;
 * 2. each provider account found gets its cloud_accounts row (created on first sight);
 * 3. precedence: each account's records claim the UTC days from their first to their last (and the
 *    `coverage` window). On a day whose counted usage comes from a source of equal or lower precedence
 *    (stores/sources.ts), the stored rows move to usage_superseded ("replaced", with this run) and the
 *    new rows, summed by hour and dimensions, count; on a day a better source holds, the new rows are
 *    kept in usage_superseded ("outranked") and nothing counted changes;
 * 4. when the replaced rows are not re-supplied (services gone, far lower cost or rows, another source
 *    kind) and `replace` is not set, it throws ReplacementNeedsConfirmationError with the preview.
 * Writing the same records again therefore replaces them; a failure anywhere rolls everything back.
 * Memory stays bounded: it grows with the distinct dimensions, up to a limit, not with the records.
 * Concurrent writers of one account queue up.
 */
export async function writeUsageRecords(
  client: PoolClient,
  tenantId: string,
  syncRunId: string | null,
  batches: AsyncIterable<readonly StagedUsage[]>,
  options: UsageWriteOptions,
): Promise<UsageWriteResult> {
  await client.query(
    `DROP TABLE IF EXISTS usage_staging, usage_staging_dims, usage_staging_accounts, usage_write_days, usage_write_ranks`,
  );
  await client.query(`CREATE TEMP TABLE usage_staging (
    account_ix int NOT NULL, start_ms bigint NOT NULL, dims_ix int NOT NULL, cpu_utilization real,
    quantity double precision NOT NULL, cost_amount numeric
  ) ON COMMIT DROP`);
  await client.query(`CREATE TEMP TABLE usage_staging_dims (
    ix int PRIMARY KEY, provider cloud_provider NOT NULL, service text NOT NULL, region text NOT NULL,
    kind text NOT NULL, unit text NOT NULL, usage_type text NOT NULL, instance_type text NOT NULL,
    storage_class text, gpu_model text, period_hours real NOT NULL, vcpus real, memory_gb real, gpu_count real,
    replication_hint real, currency text, tags jsonb, dims_key text, shape_key text, same_as int
  ) ON COMMIT DROP`);
  // Records stream into usage_staging; whenever the interned dimension sets reach the limit, the COPY
  // ends, the sets go to usage_staging_dims and a new COPY carries on with the rest of the records.
  const index = new StagingIndex(options.maxDimensionsInMemory ?? MAX_DIMENSIONS_IN_MEMORY);
  const source = batches[Symbol.asyncIterator]();
  let recordsStaged = 0;
  let exhausted = false;
  async function* stagedText() {
    while (!index.full) {
      const next = await source.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      recordsStaged += next.value.length;
      yield encodeBatch(next.value, index);
    }
  }
  try {
    do {
      await copyText(client, "usage_staging", stagedColumns, stagedText());
      await copyDimensions(client, index.takeDimensions());
    } while (!exhausted);
  } catch (error) {
    await source.return?.();
    throw error;
  }
  const { sourceKind } = options;
  const expected = options.onlyAccount;
  if (expected) {
    const others = index.accounts.filter(
      (a) => a.provider !== expected.provider || a.providerAccountId !== expected.providerAccountId,
    );
    if (others.length)
      throw new UnexpectedAccountsError(
        expected,
        others.map(({ provider, providerAccountId }) => ({ provider, providerAccountId })),
      );
  }
  await client.query(
    `UPDATE usage_staging_dims SET dims_key = ${dimsKeySql}, shape_key = ${shapeKeySql("NULL")}`,
  );
  if (index.spilled) {
    // A set of dimensions met again after a spill has several indexes: point each at the first.
    await client.query(
      `UPDATE usage_staging_dims d SET same_as = f.ix
       FROM (SELECT provider, dims_key, min(ix) AS ix FROM usage_staging_dims GROUP BY provider, dims_key) f
       WHERE f.provider = d.provider AND f.dims_key = d.dims_key AND f.ix <> d.ix`,
    );
    await client.query(
      `UPDATE usage_staging s SET dims_ix = d.same_as FROM usage_staging_dims d
       WHERE d.ix = s.dims_ix AND d.same_as IS NOT NULL`,
    );
  }
  await client.query(
    "CREATE TEMP TABLE usage_staging_accounts (ix int PRIMARY KEY, id uuid NOT NULL) ON COMMIT DROP",
  );
  const claimed = await claimAccounts(client, tenantId, index, options.coverage, {
    syncRunId,
    sourceKind,
  });
  await lockAccounts(client, claimed);
  await client.query("ANALYZE usage_staging_dims");
  await client.query("ANALYZE usage_staging_accounts");

  const days = await precedenceByDay(client, claimed, sourceKind);
  const wins = days.filter((d) => d.wins);
  const loses = days.filter((d) => !d.wins);
  const winning = dayRanges(wins);
  const losing = dayRanges(loses);

  const moved = await client.query(
    `WITH moved AS (
       DELETE FROM usage_hourly u
       USING unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
       WHERE u.cloud_account_id = w.account_id AND u.hour >= w.start_at AND u.hour < w.end_at
       RETURNING u.*)
     INSERT INTO usage_superseded (${USAGE_COLUMNS}, reason, superseded_by_sync_run_id)
     SELECT ${USAGE_COLUMNS}, 'replaced', $4::uuid FROM moved`,
    [...windowArrays(winning), syncRunId],
  );
  // Sorting the staged records groups them and orders the rows by account and hour in one step, so the
  // primary key index is filled in order (hash aggregation followed by a sort costs more).
  const insert = (into: "usage_hourly" | "usage_superseded", days: "all" | "wins" | "loses") =>
    withLocalSettings(client, { work_mem: "256MB", enable_hashagg: "off" }, () =>
      client.query(
        into === "usage_hourly"
          ? `INSERT INTO usage_hourly (${USAGE_COLUMNS}) ${stagedRowsSql(days)}`
          : `INSERT INTO usage_superseded (${USAGE_COLUMNS}, reason) SELECT *, 'outranked' FROM (${stagedRowsSql(days)}) s`,
        [tenantId, syncRunId, sourceKind],
      ),
    );
  let rowsWritten = 0;
  let rowsOutranked = 0;
  if (wins.length)
    rowsWritten = (await insert("usage_hourly", loses.length ? "wins" : "all")).rowCount ?? 0;
  if (loses.length)
    rowsOutranked = (await insert("usage_superseded", wins.length ? "loses" : "all")).rowCount ?? 0;

  const replaced =
    (moved.rowCount ?? 0) > 0 && syncRunId
      ? await replacementPreview(client, syncRunId, claimed, winning, sourceKind)
      : null;
  if (replaced?.needsConfirmation && !options.replace)
    throw new ReplacementNeedsConfirmationError(replaced);
  return {
    windows: winning,
    rowsWritten,
    rowsOutranked,
    outranked: losing.map((w) => ({
      ...w,
      heldBy: [
        ...new Set(
          loses.filter((d) => d.cloudAccountId === w.cloudAccountId).flatMap((d) => d.heldBy),
        ),
      ],
    })),
    replaced,
    recordsStaged,
  };
}

type ClaimedAccount = AccountWindow & {
  provider: string;
  providerAccountId: string;
  precedence: string[] | null;
};

/**
 * Each provider account the records name gets its cloud_accounts row (created on first sight) and
 * claims the whole UTC days from its first record to its last (and the coverage window); accounts the
 * coverage lists claim the coverage window even without records.
 */
async function claimAccounts(
  client: PoolClient,
  tenantId: string,
  index: StagingIndex,
  coverage: UsageWriteOptions["coverage"],
  run: { syncRunId: string | null; sourceKind: string },
): Promise<ClaimedAccount[]> {
  const claimed: ClaimedAccount[] = [];
  const accounts = index.accounts
    .map((span, ix) => ({ ...span, ix }))
    .sort((a, b) =>
      a.provider === b.provider
        ? a.providerAccountId.localeCompare(b.providerAccountId)
        : a.provider.localeCompare(b.provider),
    );
  for (const { ix, ...span } of accounts) {
    const account = await client.query<{
      id: string;
      precedence: string[] | null;
      created: boolean;
    }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status, parent_account_id)
       VALUES ($1, $2, $3, $4, 'active', $5)
       ON CONFLICT (tenant_id, provider, provider_account_id) DO UPDATE SET last_sync_at = now(),
         parent_account_id = coalesce(cloud_accounts.parent_account_id, EXCLUDED.parent_account_id)
       RETURNING id, source_precedence AS precedence, (xmax = 0) AS created`,
      [
        tenantId,
        span.provider,
        accountLabel(span.provider, span.providerAccountId),
        span.providerAccountId,
        span.billingAccountId,
      ],
    );
    const { id, precedence, created } = account.rows[0]!;
    // An account first seen in billing data is audited like one an admin connects (same transaction).
    if (created)
      await client.query(
        `INSERT INTO audit_log (tenant_id, actor_label, action, target_type, target_id, details)
         VALUES ($1, $2, 'account.create', 'cloud_account', $3, $4)`,
        [
          tenantId,
          `Canopy (${run.sourceKind} data)`,
          id,
          {
            provider: span.provider,
            providerAccountId: span.providerAccountId,
            syncRunId: run.syncRunId,
          },
        ],
      );
    await client.query("INSERT INTO usage_staging_accounts VALUES ($1, $2)", [ix, id]);
    let { startMs, endMs } = span;
    if (coverage) {
      startMs = Math.min(startMs, coverage.start.getTime());
      endMs = Math.max(endMs, coverage.end.getTime());
    }
    claimed.push({
      cloudAccountId: id,
      provider: span.provider,
      providerAccountId: span.providerAccountId,
      precedence,
      start: new Date(dayFloor(startMs)),
      end: new Date(dayCeil(endMs)),
    });
  }
  const unlisted = (coverage?.cloudAccountIds ?? []).filter(
    (id) => !claimed.some((c) => c.cloudAccountId === id),
  );
  if (coverage && unlisted.length) {
    const extra = await client.query<{
      id: string;
      provider: string;
      providerAccountId: string;
      precedence: string[] | null;
    }>(
      `SELECT id, provider, provider_account_id AS "providerAccountId", source_precedence AS precedence
       FROM cloud_accounts WHERE id = ANY($1::uuid[])`,
      [unlisted],
    );
    for (const { id, ...account } of extra.rows) {
      claimed.push({
        cloudAccountId: id,
        ...account,
        start: new Date(dayFloor(coverage.start.getTime())),
        end: new Date(dayCeil(coverage.end.getTime())),
      });
    }
  }
  return claimed;
}

/**
 * Serializes writers of the same accounts' usage (sorted, so two writers never deadlock). Writers of
 * one account's emissions take the same lock shared (lockAccountMonths), so they wait for these.
 */
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
 * Serializes writers of the same account months (emissions and their rollups) while different months
 * of one account are written in parallel: the account's lock shared (a usage writer, which takes it
 * exclusively, waits for them and they for it), then each UTC month the window touches exclusively,
 * in order.
 */
export async function lockAccountMonths(client: PoolClient, window: AccountWindow): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 727))", [
    window.cloudAccountId,
  ]);
  for (const month of monthsBetween(window.start, window.end)) {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 728))", [
      `${window.cloudAccountId}:${month.start}`,
    ]);
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

/** Groups a stream of records into arrays of up to `size`, for writeUsageRecords. */
export async function* batchesOf<T>(records: AsyncIterable<T>, size = 1000): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const record of records) {
    batch.push(record);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

export type OtherKindCostLine = { usageType: string; currency: string | null; amount: number };

/**
 * Cost of the lines with no energy model (kind "other") by usage_type (the reason of a cost-only
 * line: tax, credit, fee…, or the usage type of usage with no energy model) in the period and
 * boundary, from usage_hourly: the rows the estimate read, so tax and credits are shown as billed.
 */
export async function loadOtherKindCost(
  client: PoolClient,
  start: string,
  end: string,
  accountIds: string[],
): Promise<OtherKindCostLine[]> {
  const result = await client.query<OtherKindCostLine>(
    `SELECT usage_type AS "usageType", currency, coalesce(sum(cost_amount), 0)::float8 AS amount
     FROM usage_hourly
     WHERE hour >= $1::timestamptz AND hour < $2::timestamptz AND cloud_account_id = ANY($3::uuid[])
       AND kind = $4
     GROUP BY usage_type, currency
     ORDER BY usage_type, currency`,
    [start, end, accountIds, costNotModelledKind],
  );
  return result.rows;
}

/** How many usage rows the caller's tenant has (whether anything was imported or synced yet). */
export async function usageRowCount(client: PoolClient): Promise<number> {
  const result = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM usage_hourly");
  return result.rows[0]!.n;
}
