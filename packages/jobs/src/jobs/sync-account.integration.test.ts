import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createKeyring, sealCredentials, type SealedCredentials } from "@canopy/db";
import { createTestDatabase, testServices, type TestDatabase } from "@canopy/db/testing";
import { startFakeAws, type FakeAws } from "@canopy/connectors/testing";
import { clearCostExplorerCache } from "@canopy/connectors/live";
import { attemptContext, type JobContext, type JobDeps } from "../contract";
import { PermanentJobError } from "../errors";
import type { ConnectorSettings } from "../connector-for";
import IORedis from "ioredis";
import { createBullmqDriver } from "../drivers/bullmq";
import { createInlineDriver } from "../drivers/inline";
import { createRegistry, type JobPayloads } from "../registry";
import { estimateWindow } from "./estimate-window";
import { fetchReportedCarbon } from "./fetch-reported-carbon";
import { rollupDays } from "./rollup-days";
import { scheduleAccountSyncs, syncAccount, syncWindows } from "./sync-account";
import { syncUtilization } from "./sync-utilization";
import { validateConnection } from "./validate-connection";

const roleArn = "arn:aws:iam::111111111111:role/CanopyReadOnly";
const externalId = "ext-id-3b8f1e9a2c7d";
const accessKeyId = "AKIALONGLIVED0001";
const secretAccessKey = "sEcReT/aws+key/0123456789abcdefghijKLMNOP";
const accountNumber = "111111111111";

const columns = [
  "line_item_usage_start_date",
  "line_item_usage_end_date",
  "line_item_usage_account_id",
  "line_item_line_item_type",
  "line_item_product_code",
  "line_item_usage_type",
  "product_region_code",
  "product_instance_type",
  "product_vcpu",
  "product_memory",
  "pricing_unit",
  "line_item_currency_code",
  "line_item_resource_id",
  "resource_tags",
  "line_item_usage_amount",
  "line_item_unblended_cost",
];
// Empty when no Redis answers outside CI; the BullMQ case then does not run.
const redisUrl = testServices().testRedisUrl;
const athenaTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

/** `instances` m5.large instance-hours per hour of the window. */
function* usage(start: Date, end: Date, instances: () => number) {
  for (let t = start.getTime(); t < end.getTime(); t += 3_600_000) {
    yield [
      athenaTime(t),
      athenaTime(t + 3_600_000),
      accountNumber,
      "Usage",
      "AmazonEC2",
      "BoxUsage:m5.large",
      "us-east-1",
      "m5.large",
      "2",
      "8 GiB",
      "Hrs",
      "USD",
      "i-0abc",
      '{"user_team":"checkout"}',
      String(instances()),
      "0.192",
    ];
  }
}

describe("sync-account (AWS, fake Athena)", () => {
  let database: TestDatabase;
  let fake: FakeAws;
  let tenantId: string;
  let cloudAccountId: string;
  const keyring = createKeyring(Buffer.alloc(32, 7).toString("base64"));
  const logs: string[] = [];
  const enqueued: { name: string; payload: unknown }[] = [];
  let deps: JobDeps;
  let instances = 2;
  const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const yesterday = { start: new Date(today.getTime() - 86_400_000), end: today };

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeAws({ roleArn, externalId, sourceAccessKeyId: accessKeyId });
    const connectors: ConnectorSettings = {
      aws: {
        endpoints: fake.endpoints,
        backoff: { baseDelayMs: 5, retries: 2 },
        pollIntervalMs: 5,
      },
    };
    deps = {
      connectors,
      owner: database.owner,
      app: database.app,
      keyring,
      log: (line) => logs.push(line),
      enqueue: async (name, payload) => {
        enqueued.push({ name, payload });
        return randomUUID();
      },
    };
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    tenantId = randomUUID();
    instances = 2;
    clearCostExplorerCache();
    fake.setAthenaResult(columns, () => usage(yesterday.start, yesterday.end, () => instances));
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, external_id, status)
       VALUES ($1, 'aws', 'Prod', $2, $3, 'pending') RETURNING id`,
      [tenantId, accountNumber, externalId],
    );
    cloudAccountId = rows[0]!.id;
    await storeCredentials({
      provider: "aws",
      roleArn,
      accessKeyId,
      secretAccessKey,
      athenaDatabase: "cur",
      athenaTable: "cur2",
      athenaRegion: "us-east-1",
    });
  });

  async function storeCredentials(credentials: SealedCredentials) {
    const sealed = sealCredentials(keyring, tenantId, cloudAccountId, credentials);
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
      [cloudAccountId, sealed.ciphertext, sealed.keyId],
    );
  }

  const context = (jobId: string, attempt = 1): JobContext =>
    attemptContext(syncAccount.options, jobId, attempt);
  const run = (jobId: string, window = yesterday, attempt = 1) =>
    syncAccount.process(
      {
        tenantId,
        cloudAccountId,
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
        mode: "sync",
      },
      deps,
      context(jobId, attempt),
    );

  async function usageTotals() {
    const { rows } = await database.owner.pool.query<{ n: number; quantity: number }>(
      "SELECT count(*)::int AS n, coalesce(sum(quantity), 0)::float AS quantity FROM usage_hourly WHERE tenant_id = $1 AND cloud_account_id = $2",
      [tenantId, cloudAccountId],
    );
    return rows[0]!;
  }
  async function runs() {
    const { rows } = await database.owner.pool.query<{
      kind: string;
      status: string;
      rows_read: string;
      rows_written: string;
      error: string | null;
      window_start: Date;
      details: Record<string, unknown>;
    }>(
      "SELECT kind, status, rows_read, rows_written, error, window_start, details FROM sync_runs WHERE tenant_id = $1 ORDER BY created_at",
      [tenantId],
    );
    return rows;
  }
  async function account() {
    const { rows } = await database.owner.pool.query<{
      status: string;
      last_error: string | null;
      last_sync_at: Date | null;
    }>("SELECT status::text, last_error, last_sync_at FROM cloud_accounts WHERE id = $1", [
      cloudAccountId,
    ]);
    return rows[0]!;
  }

  it("syncs a window into usage_hourly, records the run and queues estimates per account-month", async () => {
    enqueued.length = 0;
    const result = await run("job-1");
    expect(result).toMatchObject({ rowsRead: 24 });
    // 24 hours × (2 instance-hours → vcpu-hours and memory records) — quantities in vCPU-hours.
    const totals = await usageTotals();
    expect(totals.n).toBeGreaterThanOrEqual(24);
    const [r] = await runs();
    expect(r).toMatchObject({ kind: "sync", status: "succeeded", error: null });
    expect(Number(r!.rows_read)).toBe(24);
    expect(r!.window_start.toISOString()).toBe(yesterday.start.toISOString());
    expect(r!.details).toMatchObject({
      resolution: "hourly",
      progress: { chunksDone: 1, chunksTotal: 1 },
    });
    expect(await account()).toMatchObject({ status: "active", last_error: null });
    expect(enqueued.filter((e) => e.name === "estimate-window").length).toBeGreaterThanOrEqual(1);
  });

  it("restated usage replaces the window's totals instead of adding to them", async () => {
    await run("first");
    const before = await usageTotals();
    instances = 5; // the provider restates yesterday
    await run("second");
    const after = await usageTotals();
    expect(after.n).toBe(before.n);
    expect(after.quantity).toBeCloseTo((before.quantity * 5) / 2);
  });

  it("a restatement that drops hours removes them too (the whole fetched window is replaced)", async () => {
    await run("full");
    const full = await usageTotals();
    fake.setAthenaResult(columns, () =>
      usage(yesterday.start, new Date(yesterday.start.getTime() + 12 * 3_600_000), () => instances),
    );
    await run("half");
    const half = await usageTotals();
    expect(half.n).toBe(full.n / 2);
    expect(half.quantity).toBeCloseTo(full.quantity / 2);
  });

  it("a crash mid-fetch rolls the chunk back; the retry reuses the run and counts nothing twice", async () => {
    // The result object's download is cut after ~1 KB: records were already streamed into the chunk.
    fake.cutNextResult(1024);
    const error = await run("crashy", yesterday, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentJobError);
    expect((await usageTotals()).n).toBe(0); // the transaction rolled back: nothing half-written
    expect((await runs())[0]).toMatchObject({ status: "running" }); // not the last attempt yet

    await run("crashy", yesterday, 2);
    const totals = await usageTotals();
    expect(totals.n).toBeGreaterThan(0);
    await run("clean");
    expect(await usageTotals()).toEqual(totals);
    const all = await runs();
    expect(all.filter((r) => r.details["jobId"] === "crashy")).toHaveLength(1);
    expect(all.every((r) => r.status === "succeeded")).toBe(true);
  });

  it("the CUR's resource_tags arrive as the stored usage's tags; the run records its API calls", async () => {
    await run("tags");
    const { rows } = await database.owner.pool.query<{ tags: Record<string, string> }>(
      "SELECT DISTINCT tags FROM usage_hourly WHERE tenant_id = $1",
      [tenantId],
    );
    expect(rows.map((r) => r.tags)).toEqual([{ user_team: "checkout" }]);
    const [r] = await runs();
    expect(r!.details["apiCalls"]).toEqual({
      "sts:AssumeRole": 1,
      "athena:StartQueryExecution": 1,
      "athena:GetQueryExecution": 2,
      "s3:GetObject": 1,
    });
  });

  it("Cost Explorer: the run records its requests and their cost (USD 0.01 each); a repeat sync is served from the cache", async () => {
    await storeCredentials({ provider: "aws", roleArn, accessKeyId, secretAccessKey });
    const day = yesterday.start.toISOString().slice(0, 10);
    fake.setCostExplorerUsage([
      {
        date: day,
        account: accountNumber,
        service: "Amazon Elastic Compute Cloud - Compute",
        usageType: "BoxUsage:m5.large",
        region: "us-east-1",
        quantity: 48,
        unit: "Hrs",
        cost: 4.6,
      },
    ]);
    await run("ce-1");
    await run("ce-2");
    const [first, second] = await runs();
    expect(first!.details["apiCost"]).toEqual({
      service: "AWS Cost Explorer",
      requests: 2, // LINKED_ACCOUNT × SERVICE, then USAGE_TYPE × REGION for the one pair
      cachedRequests: 0,
      costAmount: 0.02,
      currency: "USD",
    });
    expect(first!.details["apiCalls"]).toMatchObject({ "ce:GetCostAndUsage": 2 });
    expect(second!.details["apiCost"]).toMatchObject({
      requests: 0,
      cachedRequests: 2,
      costAmount: 0,
    });
    expect(Number(second!.rows_read)).toBe(Number(first!.rows_read));
  });

  it("a session that expires mid-sync is never 'needs attention': re-assumed, else a retryable failure", async () => {
    const expired = {
      status: 403,
      type: "ExpiredTokenException",
      message: "The security token included in the request is expired",
    };
    // Once: the role is assumed again and the sync succeeds.
    fake.failNext("AmazonAthena.GetQueryExecution", expired);
    await run("renewed");
    expect(await account()).toMatchObject({ status: "active" });
    // Even when re-assuming does not help, on the last attempt: failed run, account still active.
    fake.failNext("AmazonAthena.GetQueryExecution", expired, expired);
    const error = await run("expired", yesterday, 3).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(PermanentJobError);
    const a = await account();
    expect(a.status).toBe("active");
    expect(a.last_error).toContain("session expired");
    expect((await runs()).at(-1)).toMatchObject({ status: "failed" });
  });

  it("a CUR refresh in progress fails the chunk as retryable and keeps the stored window", async () => {
    await storeCredentials({
      provider: "aws",
      roleArn,
      accessKeyId,
      secretAccessKey,
      athenaDatabase: "cur",
      athenaTable: "cur2",
      athenaRegion: "us-east-1",
      exportBucket: "cur-bucket",
      exportPrefix: "canopy",
    });
    const month = yesterday.start.toISOString().slice(0, 7);
    const periods = [...new Set([month, yesterday.end.toISOString().slice(0, 7)])];
    fake.setExport("s3://cur-bucket/canopy/canopy-cur2", periods);
    await run("before-refresh");
    const before = await usageTotals();
    instances = 1; // what a half-written refresh would show
    fake.startRefresh(month);
    const error = await run("during-refresh", yesterday, 3).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toContain("refreshing the CUR 2.0 export");
    expect(await usageTotals()).toEqual(before);
    expect((await account()).status).toBe("active");
    fake.finishRefresh(month);
    await run("after-refresh");
    expect((await usageTotals()).quantity).toBeCloseTo(before.quantity / 2);
  });

  it("wrong credentials: account needs attention, last_error set, PermanentJobError, one AssumeRole call", async () => {
    await storeCredentials({
      provider: "aws",
      roleArn,
      accessKeyId,
      secretAccessKey: "wrong-but-accepted-by-fake",
      athenaDatabase: "cur",
      athenaTable: "cur2",
    });
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET external_id = 'not-the-right-one' WHERE id = $1",
      [cloudAccountId],
    );
    fake.requests.length = 0;
    const error = await run("bad").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toContain("could not assume the role");
    expect(fake.requests).toHaveLength(1);
    const a = await account();
    expect(a.status).toBe("needs_attention");
    expect(a.last_error).toContain("sts:ExternalId");
    expect((await runs())[0]).toMatchObject({ status: "failed" });
  });

  it("a missing permission names the IAM action on the account and the run", async () => {
    fake.deny("AmazonAthena.StartQueryExecution", "athena:StartQueryExecution");
    try {
      const error = await run("denied").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentJobError);
      const a = await account();
      expect(a.status).toBe("needs_attention");
      expect(a.last_error).toContain('Add "athena:StartQueryExecution"');
    } finally {
      fake.deny("AmazonAthena.StartQueryExecution", "");
    }
  });

  it("never logs or stores the secret values", async () => {
    const captured: string[] = [];
    const originalOut = process.stdout.write.bind(process.stdout);
    const originalErr = process.stderr.write.bind(process.stderr);
    const capture = (chunk: unknown) => {
      captured.push(String(chunk));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    const originalConsole = {
      log: console.log,
      error: console.error,
      warn: console.warn,
      info: console.info,
      debug: console.debug,
    };
    for (const level of Object.keys(originalConsole) as (keyof typeof originalConsole)[]) {
      console[level] = (...args: unknown[]) => void captured.push(args.map(String).join(" "));
    }
    logs.length = 0;
    try {
      await run("ok");
      fake.failNext("STS.AssumeRole", {
        status: 403,
        type: "ExpiredToken",
        message: "The security token included in the request is expired",
      });
      await run("expired").catch(() => undefined);
      fake.deny("S3.GetObject", "s3:GetObject");
      await run("denied").catch(() => undefined);
      fake.deny("S3.GetObject", "");
    } finally {
      process.stdout.write = originalOut;
      process.stderr.write = originalErr;
      Object.assign(console, originalConsole);
    }
    const stored = await database.owner.pool.query(
      "SELECT error, details::text FROM sync_runs WHERE tenant_id = $1",
      [tenantId],
    );
    const accountRow = await account();
    const everything = [
      ...captured,
      ...logs,
      JSON.stringify(stored.rows),
      JSON.stringify(accountRow),
    ].join("\n");
    expect(logs.length).toBeGreaterThan(3);
    for (const secret of [secretAccessKey, externalId, accessKeyId])
      expect(everything).not.toContain(secret);
  });

  it("backfill: 13 monthly chunks with progress, oldest first", () => {
    const windows = syncWindows("backfill", new Date("2026-11-23T10:30:00Z"));
    expect(windows).toHaveLength(13);
    expect(windows[0]!.start.toISOString()).toBe("2025-11-01T00:00:00.000Z");
    expect(windows.at(-1)).toEqual({
      start: new Date("2026-11-01T00:00:00Z"),
      end: new Date("2026-11-23T10:00:00Z"),
    });
    const sync = syncWindows("sync", new Date("2026-11-23T10:30:00Z"));
    expect(sync).toEqual([
      { start: new Date("2026-11-20T00:00:00Z"), end: new Date("2026-11-23T10:00:00Z") },
    ]);
  });

  it("backfill runs write each month in its own transaction and report every chunk", async () => {
    fake.setAthenaResult(columns, (sql) => {
      const [from, to] = [...sql.matchAll(/TIMESTAMP '([^']+)'/g)].map((m) => new Date(`${m[1]}Z`));
      return usage(from!, to!, () => instances);
    });
    const result = (await syncAccount.process(
      {
        tenantId,
        cloudAccountId,
        windowStart: "2026-08-01T00:00:00Z",
        windowEnd: "2026-11-01T00:00:00Z",
        mode: "backfill",
      },
      deps,
      context("backfill-1"),
    )) as { rowsRead: number };
    const [r] = await runs();
    expect(r).toMatchObject({ kind: "backfill", status: "succeeded" });
    const chunks = r!.details["chunks"] as unknown[];
    expect(chunks.length).toBe(3);
    expect(r!.details["progress"]).toMatchObject({ chunksDone: 3, chunksTotal: 3 });
    expect(result.rowsRead).toBe((31 + 30 + 31) * 24);
    expect((await usageTotals()).quantity).toBeGreaterThan(0);
  });

  it("a backfill that crashes mid-month resumes from its last stored chunk: nothing re-fetched, nothing counted twice", async () => {
    const monthOf = (sql: string) => [...sql.matchAll(/TIMESTAMP '([^']+)'/g)][0]![1]!.slice(0, 7);
    let crashIn: string | undefined = "2026-09";
    fake.setAthenaResult(columns, (sql) => {
      const [from, to] = [...sql.matchAll(/TIMESTAMP '([^']+)'/g)].map((m) => new Date(`${m[1]}Z`));
      // September's result download is cut mid-stream, after its first records were written into
      // the chunk's transaction: the worker dies with the chunk half-done.
      if (monthOf(sql) === crashIn) {
        fake.cutNextResult(2048);
        crashIn = undefined;
      }
      return usage(from!, to!, () => instances);
    });
    const backfill = (jobId: string, attempt: number) =>
      syncAccount.process(
        {
          tenantId,
          cloudAccountId,
          windowStart: "2026-08-01T00:00:00Z",
          windowEnd: "2026-11-01T00:00:00Z",
          mode: "backfill",
        },
        deps,
        context(jobId, attempt),
      );
    const athenaQueries = () =>
      fake.requests.filter((r) => r.target === "AmazonAthena.StartQueryExecution").length;
    fake.sqlSeen.length = 0;
    fake.requests.length = 0;

    const crash = await backfill("resumable", 1).catch((e: unknown) => e);
    expect(crash).toBeInstanceOf(Error);
    expect(crash).not.toBeInstanceOf(PermanentJobError);
    const [crashed] = await runs();
    expect(crashed).toMatchObject({ status: "running" });
    expect((crashed!.details["chunks"] as { start: string }[]).map((c) => c.start)).toEqual([
      "2026-08-01T00:00:00.000Z",
    ]);
    expect(fake.sqlSeen.map(monthOf)).toEqual(["2026-08", "2026-09"]);
    expect(athenaQueries()).toBe(2);

    enqueued.length = 0;
    const resumed = (await backfill("resumable", 2)) as { rowsRead: number; rowsWritten: number };
    // August was stored by the first attempt and is not asked for again.
    expect(fake.sqlSeen.map(monthOf)).toEqual(["2026-08", "2026-09", "2026-09", "2026-10"]);
    expect(athenaQueries()).toBe(4);
    const afterResume = await usageTotals();
    const [run1] = await runs();
    expect(run1).toMatchObject({ status: "succeeded", kind: "backfill" });
    expect(run1!.details["resumed"]).toEqual([{ attempt: 2, chunksSkipped: 1 }]);
    expect(run1!.details["progress"]).toMatchObject({ chunksDone: 3, chunksTotal: 3 });
    expect(resumed.rowsRead).toBe((31 + 30 + 31) * 24);
    // The estimates of every month are queued, August's too, though this attempt did not fetch it.
    const estimatedMonths = enqueued
      .filter((e) => e.name === "estimate-window")
      .map((e) => (e.payload as { windowStart: string }).windowStart.slice(0, 7));
    expect(new Set(estimatedMonths)).toEqual(new Set(["2026-08", "2026-09", "2026-10"]));

    // A clean single run of the same window gives the same totals and the same counters.
    fake.sqlSeen.length = 0;
    const clean = (await backfill("clean-backfill", 1)) as {
      rowsRead: number;
      rowsWritten: number;
    };
    expect(fake.sqlSeen.map(monthOf)).toEqual(["2026-08", "2026-09", "2026-10"]);
    expect(await usageTotals()).toEqual(afterResume);
    expect(clean).toMatchObject({ rowsRead: resumed.rowsRead, rowsWritten: resumed.rowsWritten });
    const { rows } = await database.owner.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM usage_hourly WHERE tenant_id = $1 AND sync_run_id = (SELECT id FROM sync_runs WHERE details->>'jobId' = 'clean-backfill' AND tenant_id = $1)",
      [tenantId],
    );
    expect(rows[0]!.n).toBe(afterResume.n);
  });

  it("a run the stalled-run sweep marked failed resumes too when the queue runs its job again", async () => {
    const monthOf = (sql: string) => [...sql.matchAll(/TIMESTAMP '([^']+)'/g)][0]![1]!.slice(0, 7);
    let crashIn: string | undefined = "2026-10";
    fake.setAthenaResult(columns, (sql) => {
      const [from, to] = [...sql.matchAll(/TIMESTAMP '([^']+)'/g)].map((m) => new Date(`${m[1]}Z`));
      if (monthOf(sql) === crashIn) {
        fake.cutNextResult(2048);
        crashIn = undefined;
      }
      return usage(from!, to!, () => instances);
    });
    const backfill = (attempt: number) =>
      syncAccount.process(
        {
          tenantId,
          cloudAccountId,
          windowStart: "2026-09-01T00:00:00Z",
          windowEnd: "2026-11-01T00:00:00Z",
          mode: "backfill",
        },
        deps,
        context("swept", attempt),
      );
    fake.sqlSeen.length = 0;
    await expect(backfill(1)).rejects.toThrow();
    // What sweep-stalled-runs does to a run whose worker died and was not retried in time.
    await database.owner.pool.query(
      "UPDATE sync_runs SET status = 'failed', error = 'The worker stopped while running this sync.' WHERE tenant_id = $1",
      [tenantId],
    );
    await backfill(2);
    expect(fake.sqlSeen.map(monthOf)).toEqual(["2026-09", "2026-10", "2026-10"]);
    const [run] = await runs();
    expect(run).toMatchObject({ status: "succeeded", error: null });
    expect(Number(run!.rows_read)).toBe((30 + 31) * 24);
  });

  it("a retried sync keeps the windows its first attempt chose, and a finished run is not resumed", async () => {
    fake.sqlSeen.length = 0;
    fake.cutNextResult(1024);
    const payload = { tenantId, cloudAccountId, mode: "sync" as const };
    // Only Date is faked: the retry runs an hour later, when a fresh window would end an hour later.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now());
      await expect(syncAccount.process(payload, deps, context("no-window", 1))).rejects.toThrow();
      const [first] = await runs();
      vi.setSystemTime(Date.now() + 3_600_000);
      // The first attempt's window is stored on the run; the retry reads the same one.
      await syncAccount.process(payload, deps, context("no-window", 2));
      const [retried] = await runs();
      expect(retried!.window_start).toEqual(first!.window_start);
      expect(fake.sqlSeen).toHaveLength(2);
      expect(fake.sqlSeen[1]).toBe(fake.sqlSeen[0]);
    } finally {
      vi.useRealTimers();
    }
    // The same job id once more after success (an inline re-run) fetches again instead of skipping.
    await syncAccount.process(payload, deps, context("no-window", 1));
    expect(fake.sqlSeen).toHaveLength(3);
  });

  it("the scheduler queues a backfill for new accounts, then hourly syncs, idempotently per slot", async () => {
    enqueued.length = 0;
    await database.owner.pool.query("UPDATE cloud_accounts SET status = 'active' WHERE id = $1", [
      cloudAccountId,
    ]);
    const tick = (now: string) =>
      scheduleAccountSyncs.process(
        { now },
        {
          ...deps,
          enqueue: async (name, payload, options) => {
            enqueued.push({ name, payload: { ...(payload as object), jobId: options?.jobId } });
            return options?.jobId ?? "";
          },
        },
        context("tick"),
      );
    await tick(new Date().toISOString());
    const mine = () =>
      enqueued.filter(
        (e) => (e.payload as { cloudAccountId: string }).cloudAccountId === cloudAccountId,
      );
    expect(mine()).toEqual([
      {
        name: "sync-account",
        payload: {
          tenantId,
          cloudAccountId,
          mode: "backfill",
          jobId: `backfill:${cloudAccountId}:0`,
        },
      },
    ]);

    await database.owner.pool.query(
      "INSERT INTO sync_runs (tenant_id, cloud_account_id, kind, status) VALUES ($1, $2, 'backfill', 'succeeded')",
      [tenantId, cloudAccountId],
    );
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET last_sync_at = now() - interval '2 hours' WHERE id = $1",
      [cloudAccountId],
    );
    enqueued.length = 0;
    await tick(new Date().toISOString());
    expect(mine()).toHaveLength(1);
    expect(mine()[0]!.payload).toMatchObject({ mode: "sync" });

    await database.owner.pool.query(
      "UPDATE cloud_accounts SET last_sync_at = now() WHERE id = $1",
      [cloudAccountId],
    );
    enqueued.length = 0;
    await tick(new Date().toISOString());
    expect(mine()).toHaveLength(0);

    await database.owner.pool.query(
      "UPDATE cloud_accounts SET status = 'needs_attention', last_sync_at = NULL WHERE id = $1",
      [cloudAccountId],
    );
    await tick(new Date().toISOString());
    expect(mine()).toHaveLength(0);
  });
  it("a permanent failure stops the schedule, says why on the account, and a passing test resumes it", async () => {
    // As the wizard leaves it: tested and active.
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET status = 'active', connection_check_status = 'passed' WHERE id = $1",
      [cloudAccountId],
    );
    const scheduled: { name: string; payload: unknown; jobId?: string }[] = [];
    const tick = (now = new Date()) =>
      scheduleAccountSyncs.process(
        { now: now.toISOString() },
        {
          ...deps,
          enqueue: async (name, payload, options) => {
            if ((payload as { cloudAccountId: string }).cloudAccountId === cloudAccountId)
              scheduled.push({
                name,
                payload,
                ...(options?.jobId ? { jobId: options.jobId } : {}),
              });
            return options?.jobId ?? "";
          },
        },
        context("tick"),
      );
    await tick();
    expect(scheduled.map((e) => e.jobId)).toEqual([`backfill:${cloudAccountId}:0`]);

    // The role's trust no longer matches (no identity): the backfill runs once on a real driver and
    // is not retried.
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET external_id = 'not-the-right-one' WHERE id = $1",
      [cloudAccountId],
    );
    fake.requests.length = 0;
    const failures: boolean[] = [];
    const driver = createInlineDriver(
      {
        owner: database.owner,
        app: database.app,
        keyring,
        connectors: deps.connectors,
        log: (line) => logs.push(line),
      },
      { onFailed: (_name, _ms, _error, willRetry) => failures.push(willRetry) },
      createRegistry([syncAccount]),
    );
    await driver.startWorkers();
    try {
      await driver.enqueue(
        "sync-account",
        { tenantId, cloudAccountId, mode: "backfill" },
        { jobId: scheduled[0]!.jobId! },
      );
      await driver.drain();
    } finally {
      await driver.close();
    }
    expect(failures).toEqual([false]);
    expect(fake.requests).toHaveLength(1);
    const stopped = await account();
    expect(stopped.status).toBe("needs_attention");
    expect(stopped.last_error).toContain("sts:ExternalId");
    expect(stopped.last_error).toContain("run Test connection again");
    const check = await database.owner.pool.query<{ status: string; message: string }>(
      "SELECT connection_check_status::text AS status, connection_checks->>'message' AS message FROM cloud_accounts WHERE id = $1",
      [cloudAccountId],
    );
    expect(check.rows[0]).toMatchObject({ status: "failed" });
    expect(check.rows[0]!.message).toMatch(/^A sync failed: .*sts:ExternalId/);
    expect((await runs()).map((r) => [r.kind, r.status])).toEqual([["backfill", "failed"]]);

    // No further scheduled attempt, hours later; a sync queued before the failure does not call AWS.
    scheduled.length = 0;
    await tick();
    await tick(new Date(Date.now() + 3 * 86_400_000));
    expect(scheduled).toEqual([]);
    await expect(run("queued-before-the-failure")).resolves.toEqual({
      skipped: "needs_attention",
    });
    expect(fake.requests).toHaveLength(1);

    // The admin fixes the trust and tests again: the account is active, its error cleared, and the
    // next tick queues the backfill under a new job id (BullMQ keeps the failed one's id for days).
    await database.owner.pool.query("UPDATE cloud_accounts SET external_id = $2 WHERE id = $1", [
      cloudAccountId,
      externalId,
    ]);
    await expect(
      validateConnection.process({ tenantId, cloudAccountId }, deps, context("retest")),
    ).resolves.toMatchObject({ status: "passed" });
    expect(await account()).toMatchObject({ status: "active", last_error: null });
    await tick();
    expect(scheduled).toEqual([
      {
        name: "sync-account",
        payload: { tenantId, cloudAccountId, mode: "backfill" },
        jobId: `backfill:${cloudAccountId}:1`,
      },
    ]);
  });

  it("a backfill that used up its retries on a transient error is queued again one interval later, under a new id", async () => {
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET status = 'active', connection_check_status = 'passed', connection_checked_at = now() - interval '1 day' WHERE id = $1",
      [cloudAccountId],
    );
    await database.owner.pool.query(
      "INSERT INTO sync_runs (tenant_id, cloud_account_id, kind, status, finished_at) VALUES ($1, $2, 'backfill', 'failed', now())",
      [tenantId, cloudAccountId],
    );
    const ids: string[] = [];
    const tick = (now: Date) =>
      scheduleAccountSyncs.process(
        { now: now.toISOString() },
        {
          ...deps,
          enqueue: async (_name, payload, options) => {
            if ((payload as { cloudAccountId: string }).cloudAccountId === cloudAccountId)
              ids.push(options?.jobId ?? "");
            return options?.jobId ?? "";
          },
        },
        context("tick"),
      );
    await tick(new Date());
    expect(ids).toEqual([]);
    await tick(new Date(Date.now() + 2 * 3_600_000));
    expect(ids).toEqual([`backfill:${cloudAccountId}:1`]);
    expect((await account()).status).toBe("active");
  });
  it.skipIf(!redisUrl)(
    "BullMQ: a permanently failed backfill runs once, its id stays taken, and the backfill after a passing test runs under the next id",
    async () => {
      await database.owner.pool.query(
        "UPDATE cloud_accounts SET status = 'active', connection_check_status = 'passed', external_id = 'not-the-right-one' WHERE id = $1",
        [cloudAccountId],
      );
      fake.requests.length = 0;
      const failures: boolean[] = [];
      const prefix = `{canopy-test-sync-${randomUUID().slice(0, 8)}}`;
      const driver = createBullmqDriver({
        redisUrl,
        prefix,
        deps: {
          owner: database.owner,
          app: database.app,
          keyring,
          connectors: deps.connectors,
          log: () => undefined,
        },
        // A sync claims its whole window, so even an empty one queues the estimates of its months,
        // and an AWS sync queues AWS's own figures (Sustainability API) for them.
        registry: createRegistry([
          syncAccount,
          estimateWindow,
          rollupDays,
          fetchReportedCarbon,
          syncUtilization,
        ]),
        events: { onFailed: (_name, _ms, _error, willRetry) => failures.push(willRetry) },
      });
      const backfill = (jobId: string) =>
        driver.enqueue("sync-account", { tenantId, cloudAccountId, mode: "backfill" }, { jobId });
      try {
        await driver.startWorkers();
        await backfill(`backfill:${cloudAccountId}:0`);
        await driver.drain();
        expect(failures).toEqual([false]);
        expect((await driver.stats())["sync-account"]).toMatchObject({ failed: 1, waiting: 0 });
        expect((await account()).status).toBe("needs_attention");
        // BullMQ ignores a job whose id a kept failed job holds: the old id cannot resume anything.
        await backfill(`backfill:${cloudAccountId}:0`);
        await driver.drain();
        expect(fake.requests).toHaveLength(1);

        await database.owner.pool.query(
          "UPDATE cloud_accounts SET external_id = $2 WHERE id = $1",
          [cloudAccountId, externalId],
        );
        await validateConnection.process({ tenantId, cloudAccountId }, deps, context("retest"));
        const queued: string[] = [];
        await scheduleAccountSyncs.process(
          {},
          {
            ...deps,
            enqueue: async (name, payload, options) => {
              if ((payload as { cloudAccountId: string }).cloudAccountId === cloudAccountId)
                queued.push(
                  await driver.enqueue(
                    name as "sync-account",
                    payload as JobPayloads["sync-account"],
                    options,
                  ),
                );
              return "";
            },
          },
          context("tick"),
        );
        expect(queued).toEqual([`backfill_${cloudAccountId}_1`]);
        fake.setAthenaResult(columns, () => []);
        await driver.drain();
      } finally {
        await driver.close();
        const redis = new IORedis(redisUrl);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
      expect(failures).toEqual([false]);
      expect((await runs()).map((r) => [r.kind, r.status])).toEqual([
        ["backfill", "failed"],
        ["backfill", "succeeded"],
      ]);
      expect(await account()).toMatchObject({ status: "active", last_error: null });
    },
  );
});
