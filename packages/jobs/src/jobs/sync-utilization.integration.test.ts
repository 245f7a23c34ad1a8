import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKeyring, measuredComputeShare, sealCredentials, withTenantClient } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { startFakeAws, type FakeAws } from "@canopy/connectors/testing";
import type { ConnectorSettings } from "../connector-for";
import { attemptContext, type JobContext, type JobDeps } from "../contract";
import { estimateWindow } from "./estimate-window";
import { rollupDays } from "./rollup-days";
import { syncAccount } from "./sync-account";
import { syncUtilization } from "./sync-utilization";

const roleArn = "arn:aws:iam::111111111111:role/CanopyReadOnly";
const externalId = "ext-id-utilization-01";
const accessKeyId = "AKIALONGLIVED0002";
const secretAccessKey = "sEcReT/aws+key/utilization0123456789abcdef";
const accountNumber = "111111111111";
const HOUR = 3_600_000;

const curColumns = [
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
const athenaTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");
const instances = ["i-0aaa0000000000001", "i-0bbb0000000000002"];

/** Per hour: one m5.large instance-hour of each instance. */
function* cur(start: Date, end: Date) {
  for (let t = start.getTime(); t < end.getTime(); t += HOUR)
    for (const id of instances)
      yield [
        athenaTime(t),
        athenaTime(t + HOUR),
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
        id,
        "{}",
        "1",
        "0.096",
      ];
}

describe("sync-utilization (AWS: CUR instances, CloudWatch CPU) then re-estimate", () => {
  let database: TestDatabase;
  let fake: FakeAws;
  let tenantId: string;
  let cloudAccountId: string;
  const keyring = createKeyring(Buffer.alloc(32, 9).toString("base64"));
  const enqueued: { name: string; payload: Record<string, string>; jobId?: string }[] = [];
  let deps: JobDeps;
  const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000);
  const window = { start: day, end: new Date(day.getTime() + 24 * HOUR) };
  const context = (jobId: string, attempt = 1): JobContext =>
    attemptContext(syncUtilization.options, jobId, attempt);

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeAws({ roleArn, externalId, sourceAccessKeyId: accessKeyId });
    // Every endpoint of the fake (STS, Athena, S3, CloudWatch…): nothing reaches a real AWS host.
    const connectors: ConnectorSettings = {
      aws: {
        endpoints: fake.endpoints,
        backoff: { baseDelayMs: 5, retries: 2 },
        pollIntervalMs: 5,
      },
      metrics: { minCallIntervalMs: { aws: 0 } },
    };
    deps = {
      connectors,
      owner: database.owner,
      app: database.app,
      keyring,
      log: () => undefined,
      enqueue: async (name, payload, options) => {
        enqueued.push({
          name,
          payload: payload as Record<string, string>,
          ...(options?.jobId ? { jobId: options.jobId } : {}),
        });
        return randomUUID();
      },
    };
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    enqueued.length = 0;
    tenantId = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, external_id, status)
       VALUES ($1, 'aws', 'Prod', $2, $3, 'active') RETURNING id`,
      [tenantId, accountNumber, externalId],
    );
    cloudAccountId = rows[0]!.id;
    const sealed = sealCredentials(keyring, tenantId, cloudAccountId, {
      provider: "aws",
      roleArn,
      accessKeyId,
      secretAccessKey,
      athenaDatabase: "cur",
      athenaTable: "cur2",
      athenaRegion: "us-east-1",
    });
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
      [cloudAccountId, sealed.ciphertext, sealed.keyId],
    );
    fake.setAthenaResult(curColumns, () => cur(window.start, window.end));
  });

  /** Runs every estimate-window job queued so far, then the rollups they queue (and forgets them). */
  async function runQueuedEstimates() {
    const queued = enqueued.filter((e) => e.name === "estimate-window");
    enqueued.splice(0, enqueued.length, ...enqueued.filter((e) => e.name !== "estimate-window"));
    for (const job of queued)
      await estimateWindow.process(job.payload as never, deps, context(job.jobId ?? randomUUID()));
    const rollups = enqueued.filter((e) => e.name === "rollup-days");
    enqueued.splice(0, enqueued.length, ...enqueued.filter((e) => e.name !== "rollup-days"));
    for (const job of rollups)
      await rollupDays.process(job.payload as never, deps, context(job.jobId ?? randomUUID()));
    return queued.length;
  }
  async function computeKwhIt() {
    const { rows } = await database.owner.pool.query<{ kwh: number; n: number }>(
      "SELECT coalesce(sum(kwh_it), 0)::float8 AS kwh, count(*)::int AS n FROM emissions_hourly WHERE tenant_id = $1 AND kind = 'compute'",
      [tenantId],
    );
    return rows[0]!;
  }
  const usageUtilization = async () =>
    (
      await database.owner.pool.query<{ u: number | null; n: number }>(
        "SELECT cpu_utilization AS u, count(*)::int AS n FROM usage_hourly WHERE tenant_id = $1 AND kind = 'compute' GROUP BY 1",
        [tenantId],
      )
    ).rows;

  it("stores hourly CPU per instance, sets it on the usage, and the re-estimate follows the power curve", async () => {
    await syncAccount.process(
      {
        tenantId,
        cloudAccountId,
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
        mode: "sync",
      },
      deps,
      context("sync-1"),
    );
    // The sync queues the utilization read over its own window.
    const queuedRead = enqueued.find((e) => e.name === "sync-utilization");
    expect(queuedRead?.payload).toMatchObject({
      tenantId,
      cloudAccountId,
      windowStart: window.start.toISOString(),
      windowEnd: window.end.toISOString(),
    });
    expect(queuedRead?.jobId).toMatch(/^utilization:/);
    expect(await runQueuedEstimates()).toBeGreaterThan(0);
    const before = await computeKwhIt();
    expect(before.n).toBe(24);
    expect(await usageUtilization()).toEqual([{ u: null, n: 24 }]);

    // CloudWatch: instance a at 10 %, b at 30 % every hour → the usage row's mean is 20 %.
    for (const [i, id] of instances.entries())
      fake.setCpuUtilization(
        id,
        Array.from({ length: 24 }, (_, h) => ({
          hour: new Date(window.start.getTime() + h * HOUR),
          percent: i === 0 ? 10 : 30,
        })),
      );
    fake.setAthenaResult(
      [
        "line_item_usage_account_id",
        "product_region_code",
        "line_item_resource_id",
        "product_instance_type",
      ],
      () => instances.map((id) => [accountNumber, "us-east-1", id, "m5.large"]),
    );
    const result = await syncUtilization.process(
      queuedRead!.payload as never,
      deps,
      context("util-1"),
    );
    expect(result).toMatchObject({ resources: 2, hoursStored: 48, usageRowsMeasured: 24 });
    const stored = await database.owner.pool.query<{ n: number; mean: number }>(
      "SELECT count(*)::int AS n, avg(cpu_utilization)::float8 AS mean FROM resource_utilization_hourly WHERE tenant_id = $1",
      [tenantId],
    );
    expect(stored.rows[0]!.n).toBe(48);
    expect(stored.rows[0]!.mean).toBeCloseTo(0.2, 6);
    const utilization = await usageUtilization();
    expect(utilization).toHaveLength(1);
    expect(utilization[0]!.u).toBeCloseTo(0.2, 6);

    expect(await runQueuedEstimates()).toBeGreaterThan(0);
    const after = await computeKwhIt();
    // docs/methodology.md §2.1: kWh CPU = vCPU-hours × (minW + u × (maxW − minW)) ÷ 1000; m5.large
    // is Skylake (0.6130 / 4.1042 W per vCPU); the memory term does not depend on u. 24 h × 2
    // instance-hours × 2 vCPUs, u from the 50 % default to the measured 20 %.
    const vcpuHours = 24 * 2 * 2;
    expect(after.kwh - before.kwh).toBeCloseTo(
      (vcpuHours * (0.2 - 0.5) * (4.1042 - 0.613)) / 1000,
      6,
    );
    const share = await withTenantClient(database.app, tenantId, (client) =>
      measuredComputeShare(client, window),
    );
    expect(share.share).toBe(1);
    expect(share.measuredKwh).toBeGreaterThan(0);

    const run = await database.owner.pool.query<{
      status: string;
      resources: number;
      details: { apiCalls: Record<string, number> };
    }>("SELECT status::text, resources, details FROM utilization_runs WHERE tenant_id = $1", [
      tenantId,
    ]);
    expect(run.rows).toHaveLength(1);
    expect(run.rows[0]).toMatchObject({ status: "succeeded", resources: 2 });
    expect(run.rows[0]!.details.apiCalls["cloudwatch:GetMetricData"]).toBe(1);

    // Reading the same window again upserts: no new rows, nothing to re-estimate.
    enqueued.length = 0;
    const again = await syncUtilization.process(
      queuedRead!.payload as never,
      deps,
      context("util-2"),
    );
    expect(again).toMatchObject({ hoursStored: 48, usageRowsMeasured: 0 });
    const count = await database.owner.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM resource_utilization_hourly WHERE tenant_id = $1",
      [tenantId],
    );
    expect(count.rows[0]!.n).toBe(48);
    expect(enqueued.filter((e) => e.name === "estimate-window")).toEqual([]);

    // A later sync rewrites the day's usage (without utilization): its estimate applies the stored
    // measurements again, without asking CloudWatch.
    fake.setAthenaResult(curColumns, () => cur(window.start, window.end));
    await syncAccount.process(
      {
        tenantId,
        cloudAccountId,
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
        mode: "sync",
      },
      deps,
      context("sync-again"),
    );
    const calls = fake.metricDataCalls.length;
    expect(await runQueuedEstimates()).toBeGreaterThan(0);
    const reapplied = await usageUtilization();
    expect(reapplied).toHaveLength(1);
    expect(reapplied[0]!.u).toBeCloseTo(0.2, 6);
    expect((await computeKwhIt()).kwh).toBeCloseTo(after.kwh, 9);
    expect(fake.metricDataCalls.length).toBe(calls);
  });

  it("a role without cloudwatch:GetMetricData records the failure and keeps the default, without retries", async () => {
    await syncAccount.process(
      {
        tenantId,
        cloudAccountId,
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
        mode: "sync",
      },
      deps,
      context("sync-2"),
    );
    fake.setAthenaResult(
      [
        "line_item_usage_account_id",
        "product_region_code",
        "line_item_resource_id",
        "product_instance_type",
      ],
      () => instances.map((id) => [accountNumber, "us-east-1", id, "m5.large"]),
    );
    // A read whose worker died two hours ago, still "running".
    await database.owner.pool.query(
      `INSERT INTO utilization_runs (tenant_id, cloud_account_id, status, window_start, window_end, source, details, created_at)
       VALUES ($1, $2, 'running', $3, $4, 'aws-cloudwatch', '{"jobId":"dead"}', now() - interval '2 hours')`,
      [tenantId, cloudAccountId, window.start, window.end],
    );
    fake.deny("CloudWatch.GetMetricData", "cloudwatch:GetMetricData");
    try {
      const result = await syncUtilization.process(
        {
          tenantId,
          cloudAccountId,
          windowStart: window.start.toISOString(),
          windowEnd: window.end.toISOString(),
        },
        deps,
        context("util-denied"),
      );
      expect(result).toMatchObject({ failed: expect.stringContaining("cloudwatch:GetMetricData") });
    } finally {
      fake.deny("CloudWatch.GetMetricData", "");
    }
    const run = await database.owner.pool.query<{ status: string; error: string }>(
      "SELECT status::text, error FROM utilization_runs WHERE tenant_id = $1 ORDER BY created_at DESC",
      [tenantId],
    );
    expect(run.rows[0]?.status).toBe("failed");
    expect(run.rows[0]?.error).toMatch(/default utilization/);
    expect(run.rows[1]).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/worker stopped/),
    });
    expect(await usageUtilization()).toEqual([{ u: null, n: 24 }]);
    // The account itself stays active: usage syncs do not depend on the monitoring permission.
    const account = await database.owner.pool.query<{ status: string }>(
      "SELECT status::text FROM cloud_accounts WHERE id = $1",
      [cloudAccountId],
    );
    expect(account.rows[0]!.status).toBe("active");
  });
});
