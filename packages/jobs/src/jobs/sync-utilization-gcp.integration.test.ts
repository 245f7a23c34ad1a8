import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, sealCredentials } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { startFakeGcp, type FakeGcp } from "@canopy/connectors/testing";
import { attemptContext, type JobContext, type JobDeps } from "../contract";
import type { ConnectorSettings } from "../connector-for";
import { syncAccount } from "./sync-account";
import { syncUtilization } from "./sync-utilization";

const HOUR = 3_600_000;

/**
 * GCP end to end: the billing export bills one n1-standard-4 (4 vCPU-hours an hour) in project
 * acme-search-prod; Cloud Monitoring reports that instance's CPU every minute. The job reads the
 * projects the connection's usage landed in (not the billing account), aligns the points to hours
 * and sets each hourly vCPU-hour row's utilization.
 */
describe("sync-utilization (GCP: billing export projects, Cloud Monitoring)", () => {
  let database: TestDatabase;
  let fake: FakeGcp;
  let tenantId: string;
  let cloudAccountId: string;
  const keyring = createKeyring(Buffer.alloc(32, 5).toString("base64"));
  const enqueued: { name: string; payload: Record<string, string> }[] = [];
  let deps: JobDeps;
  const start = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000);
  const window = { start, end: new Date(start.getTime() + 24 * HOUR) };
  const context = (jobId: string): JobContext => attemptContext(syncUtilization.options, jobId);

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeGcp({ pageSize: 10 });
    const connectors: ConnectorSettings = {
      gcp: { bigQueryEndpoint: fake.url, backoff: { baseDelayMs: 5, retries: 2 } },
      metrics: { gcpMonitoringEndpoint: fake.url, minCallIntervalMs: { gcp: 0 } },
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
    fake.setUsage(
      Array.from({ length: 24 }, (_, h) => ({
        hour: new Date(start.getTime() + h * HOUR).toISOString(),
        projectId: "acme-search-prod",
        service: "Compute Engine",
        sku: "N1 Predefined Instance Core running in Americas",
        region: "us-central1",
        machineSpec: "n1-standard-4",
        cores: "4",
        memoryMb: "15360",
        unit: "seconds",
        amount: 4 * 3600,
        cost: 0.126,
      })),
    );
    // One sample a minute: 0.3 in the first 12 hours, 0.1 after.
    fake.setInstances([
      {
        projectId: "acme-search-prod",
        instanceId: "4815162342",
        zone: "us-central1-f",
        machineType: "n1-standard-4",
        samples: Array.from({ length: 24 * 60 }, (_, m) => ({
          at: new Date(start.getTime() + (m + 1) * 60_000),
          value: m < 12 * 60 ? 0.3 : 0.1,
        })),
      },
    ]);
    tenantId = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, 'gcp', 'Billing', '0123AB-456789-CDEF01', 'active') RETURNING id`,
      [tenantId],
    );
    cloudAccountId = rows[0]!.id;
    const sealed = sealCredentials(keyring, tenantId, cloudAccountId, {
      provider: "gcp",
      serviceAccountKey: fake.serviceAccountKey(),
      billingExportTable: "acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB",
    });
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
      [cloudAccountId, sealed.ciphertext, sealed.keyId],
    );
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  it("reads the project's instance hourly and sets each hour's vCPU-hour row", async () => {
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
    const result = await syncUtilization.process(queued!.payload as never, deps, context("util"));
    expect(result).toMatchObject({ resources: 1, hoursStored: 24, usageRowsMeasured: 24 });
    const { rows } = await database.owner.pool.query<{ hour: Date; cpu: number; unit: string }>(
      `SELECT hour, cpu_utilization AS cpu, unit FROM usage_hourly
       WHERE tenant_id = $1 AND kind = 'compute' ORDER BY hour`,
      [tenantId],
    );
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => r.unit === "vcpu-hours")).toBe(true);
    expect(rows[0]!.cpu).toBeCloseTo(0.3, 6);
    expect(rows[11]!.cpu).toBeCloseTo(0.3, 6);
    expect(rows[12]!.cpu).toBeCloseTo(0.1, 6);
    // Only the project was asked, never the billing account (it has no VMs).
    const asked = fake.requests.filter((r) => r.path.endsWith("/timeSeries")).map((r) => r.path);
    expect(new Set(asked)).toEqual(new Set(["/v3/projects/acme-search-prod/timeSeries"]));
  });
});
