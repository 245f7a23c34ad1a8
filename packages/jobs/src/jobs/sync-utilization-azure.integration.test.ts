import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, sealCredentials } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { startFakeAzure, type FakeAzure } from "@canopy/connectors/testing";
import { attemptContext, type JobContext, type JobDeps } from "../contract";
import type { ConnectorSettings } from "../connector-for";
import { syncAccount } from "./sync-account";
import { syncUtilization } from "./sync-utilization";

const directoryTenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_for_utilization_01";
const subscriptionId = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";
const HOUR = 3_600_000;

/**
 * Azure end to end: daily Query API usage (48 D2s v3 instance-hours a day = 2 VMs all day), the
 * subscription's VMs and their hourly "Percentage CPU" from the fake, then the job: each daily row
 * takes the mean of its day's 48 measured VM-hours.
 */
describe("sync-utilization (Azure: VM list, Azure Monitor, daily usage rows)", () => {
  let database: TestDatabase;
  let fake: FakeAzure;
  let tenantId: string;
  let cloudAccountId: string;
  const keyring = createKeyring(Buffer.alloc(32, 6).toString("base64"));
  const enqueued: { name: string; payload: Record<string, string> }[] = [];
  let deps: JobDeps;
  // Inside the 93 days Azure keeps platform metrics.
  const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 10 * 86_400_000);
  const window = { start: day, end: new Date(day.getTime() + 2 * 86_400_000) };
  const yyyymmdd = (d: Date) => Number(d.toISOString().slice(0, 10).replaceAll("-", ""));
  const context = (jobId: string): JobContext => attemptContext(syncUtilization.options, jobId);
  const vm = (name: string) =>
    `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeAzure({ tenantId: directoryTenantId, clientId, clientSecret });
    const connectors: ConnectorSettings = {
      azure: {
        endpoints: fake.endpoints,
        httpClient: fake.httpClient,
        backoff: { baseDelayMs: 5, retries: 2 },
      },
      metrics: { minCallIntervalMs: { azure: 0 } },
    };
    deps = {
      connectors,
      owner: database.owner,
      app: database.app,
      keyring,
      log: () => undefined,
      enqueue: async (name, payload) => {
        enqueued.push({ name, payload: payload as Record<string, string> });
        return randomUUID();
      },
    };
    tenantId = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, 'azure', 'Prod', $2, 'active') RETURNING id`,
      [tenantId, subscriptionId],
    );
    cloudAccountId = rows[0]!.id;
    const sealed = sealCredentials(keyring, tenantId, cloudAccountId, {
      provider: "azure",
      directoryTenantId,
      clientId,
      clientSecret,
    });
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
      [cloudAccountId, sealed.ciphertext, sealed.keyId],
    );
    fake.setUsage(
      [day, new Date(day.getTime() + 86_400_000)].map((d) => ({
        date: yyyymmdd(d),
        subscriptionId,
        meterCategory: "Virtual Machines",
        meter: "D2s v3",
        location: "eastus",
        unit: "1 Hour",
        quantity: 48,
        cost: 4.6,
      })),
    );
    // web-1 at 10 %, web-2 at 30 % on day 1; on day 2 only web-1 reports (half the instance-hours).
    const hours = (n: number, offset: number, percent: number) =>
      Array.from({ length: n }, (_, h) => ({
        hour: new Date(day.getTime() + (offset + h) * HOUR),
        percent,
      }));
    fake.setVirtualMachines([
      { id: vm("web-1"), location: "eastus", vmSize: "Standard_D2s_v3", cpu: hours(48, 0, 10) },
      { id: vm("web-2"), location: "eastus", vmSize: "Standard_D2s_v3", cpu: hours(24, 0, 30) },
    ]);
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  it("stores each VM's hours and sets the day's mean where both VMs were measured", async () => {
    await syncAccount.process(
      {
        tenantId,
        cloudAccountId,
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
        mode: "sync",
      },
      deps,
      context("sync"),
    );
    const queued = enqueued.find((e) => e.name === "sync-utilization");
    expect(queued).toBeDefined();
    const result = await syncUtilization.process(queued!.payload as never, deps, context("util"));
    expect(result).toMatchObject({ resources: 2, hoursStored: 72, usageRowsMeasured: 1 });
    const { rows } = await database.owner.pool.query<{ hour: Date; cpu: number | null }>(
      `SELECT hour, cpu_utilization AS cpu FROM usage_hourly WHERE tenant_id = $1 AND kind = 'compute' ORDER BY hour`,
      [tenantId],
    );
    expect(rows.map((r) => r.hour.toISOString())).toEqual([
      window.start.toISOString(),
      new Date(day.getTime() + 86_400_000).toISOString(),
    ]);
    // Day 1: (24 × 0.1 + 24 × 0.3) ÷ 48; day 2: 24 of 48 instance-hours measured, the default stays.
    expect(rows[0]!.cpu).toBeCloseTo(0.2, 6);
    expect(rows[1]!.cpu).toBeNull();
    const stored = await database.owner.pool.query<{ id: string; n: number }>(
      `SELECT resource_id AS id, count(*)::int AS n FROM resource_utilization_hourly WHERE tenant_id = $1
       GROUP BY 1 ORDER BY 1`,
      [tenantId],
    );
    expect(stored.rows).toEqual([
      { id: vm("web-1").toLowerCase(), n: 48 },
      { id: vm("web-2").toLowerCase(), n: 24 },
    ]);
    expect(fake.metricsCalls).toHaveLength(2);
    expect(enqueued.filter((e) => e.name === "estimate-window").length).toBeGreaterThan(0);
  });
});
