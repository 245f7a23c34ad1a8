import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKeyring, sealCredentials } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { startFakeGcp, type FakeGcp } from "@canopy/connectors/testing";
import { attemptContext, type JobDeps } from "../contract";
import { PermanentJobError } from "../errors";
import type { ConnectorSettings } from "../connector-for";
import { syncAccount } from "./sync-account";

describe("sync-account (GCP, fake OAuth + BigQuery)", () => {
  let database: TestDatabase;
  let fake: FakeGcp;
  let tenantId: string;
  let cloudAccountId: string;
  const keyring = createKeyring(Buffer.alloc(32, 6).toString("base64"));
  const logs: string[] = [];
  let deps: JobDeps;
  const window = { windowStart: "2026-11-01T00:00:00Z", windowEnd: "2026-11-02T00:00:00Z" };
  const federation = {
    audience:
      "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/canopy-pool/providers/canopy-oidc",
    subjectToken: "eyJhbGciOiJSUzI1NiJ9.canopy-worker.sig",
    serviceAccount: "canopy-reader@acme-billing.iam.gserviceaccount.com",
  };
  let tokenDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeGcp({ pageSize: 10 });
    tokenDir = await mkdtemp(join(tmpdir(), "canopy-wif-job-"));
    await writeFile(join(tokenDir, "token"), federation.subjectToken);
    fake.setWorkloadIdentity(federation);
    const connectors: ConnectorSettings = {
      gcp: {
        bigQueryEndpoint: fake.url,
        stsEndpoint: fake.url,
        iamCredentialsEndpoint: fake.url,
        cloudBillingEndpoint: fake.url,
        subjectTokenSource: { file: join(tokenDir, "token") },
        backoff: { baseDelayMs: 5, retries: 2 },
      },
    };
    deps = {
      connectors,
      owner: database.owner,
      app: database.app,
      keyring,
      log: (line) => logs.push(line),
      enqueue: async () => randomUUID(),
    };
    fake.setUsage(
      Array.from({ length: 24 }, (_, h) => ({
        hour: new Date(Date.parse(window.windowStart) + h * 3_600_000).toISOString(),
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
        labels: { team: "search", env: "prod" },
        resourceName: "projects/acme-search-prod/instances/search-1",
      })),
    );
  });
  afterAll(async () => {
    await fake?.close();
    await rm(tokenDir, { recursive: true, force: true });
    await database?.drop();
  });
  beforeEach(async () => {
    tenantId = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, 'gcp', 'Billing', '0123AB-456789-CDEF01', 'pending') RETURNING id`,
      [tenantId],
    );
    cloudAccountId = rows[0]!.id;
  });

  async function seal(serviceAccountKey: string) {
    const sealed = sealCredentials(keyring, tenantId, cloudAccountId, {
      provider: "gcp",
      serviceAccountKey,
      billingExportTable: "acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB",
    });
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
      [cloudAccountId, sealed.ciphertext, sealed.keyId],
    );
  }
  const run = (jobId: string) =>
    syncAccount.process(
      { tenantId, cloudAccountId, ...window, mode: "sync" },
      deps,
      attemptContext(syncAccount.options, jobId),
    );

  it("syncs the billing export's projects into usage_hourly, hourly", async () => {
    await seal(fake.serviceAccountKey());
    await run("g1");
    const { rows } = await database.owner.pool.query<{ n: number; project: string }>(
      `SELECT count(*)::int AS n, max(a.provider_account_id) AS project FROM usage_hourly u JOIN cloud_accounts a ON a.id = u.cloud_account_id WHERE u.tenant_id = $1`,
      [tenantId],
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(24);
    expect(rows[0]!.project).toBe("acme-search-prod");
  });

  it("a sync stores Compute Engine's Cloud Catalog prices in the bill's currency, at most once a day", async () => {
    await database.owner.pool.query("DELETE FROM gcp_catalog_prices");
    await seal(fake.serviceAccountKey());
    fake.requests.length = 0;
    logs.length = 0;
    await run("catalog-1");
    const skuPages = () =>
      fake.requests.filter((r) => r.path === "/v1/services/6F81-5844-456A/skus");
    expect(skuPages().length).toBeGreaterThan(0);
    // The fake's export is billed in USD.
    expect(new URLSearchParams(skuPages()[0]!.query).get("currencyCode")).toBe("USD");
    const { rows } = await database.owner.pool.query<{ n: number; currency: string }>(
      "SELECT count(*)::int AS n, max(currency_code) AS currency FROM gcp_catalog_prices",
    );
    expect(rows[0]).toEqual({ n: 85, currency: "USD" });
    expect(logs.some((l) => /gcp-catalog-prices .*: refreshed \(USD, 85 price/.test(l))).toBe(true);
    fake.requests.length = 0;
    await run("catalog-2");
    expect(skuPages()).toHaveLength(0);
    expect(logs.some((l) => /gcp-catalog-prices .*: fresh$/.test(l))).toBe(true);
  });

  it("Cloud Billing unreachable: the Catalog refresh is logged as failed and the sync still succeeds", async () => {
    await database.owner.pool.query("DELETE FROM gcp_catalog_prices");
    await seal(fake.serviceAccountKey());
    deps.connectors = {
      gcp: {
        bigQueryEndpoint: fake.url,
        stsEndpoint: fake.url,
        iamCredentialsEndpoint: fake.url,
        cloudBillingEndpoint: "http://127.0.0.1:9",
        backoff: { baseDelayMs: 5, retries: 0 },
      },
    };
    logs.length = 0;
    try {
      const result = await run("catalog-down");
      expect(result).toMatchObject({ rowsWritten: expect.any(Number) });
      expect(logs.some((l) => /gcp-catalog-prices .*: failed: /.test(l))).toBe(true);
      const { rows } = await database.owner.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM gcp_catalog_prices",
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      deps.connectors = {
        gcp: {
          bigQueryEndpoint: fake.url,
          stsEndpoint: fake.url,
          iamCredentialsEndpoint: fake.url,
          cloudBillingEndpoint: fake.url,
          subjectTokenSource: { file: join(tokenDir, "token") },
          backoff: { baseDelayMs: 5, retries: 2 },
        },
      };
    }
  });

  it("a workload identity federation configuration (no key) syncs through STS and impersonation", async () => {
    await seal(fake.externalAccountConfig());
    fake.requests.length = 0;
    await run("wif");
    const { rows } = await database.owner.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM usage_hourly WHERE tenant_id = $1",
      [tenantId],
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(24);
    expect(fake.requests.map((r) => r.path)).toContain("/v1/token");
    expect(fake.requests.some((r) => r.path.endsWith(":generateAccessToken"))).toBe(true);
  });

  it("the export's labels arrive as the stored usage's tags (tag pivots work for a connected GCP account)", async () => {
    await seal(fake.serviceAccountKey());
    await run("g3");
    const { rows } = await database.owner.pool.query<{ tags: Record<string, string>; n: number }>(
      `SELECT tags, count(*)::int AS n FROM usage_hourly WHERE tenant_id = $1 GROUP BY tags`,
      [tenantId],
    );
    expect(rows).toEqual([{ tags: { env: "prod", team: "search" }, n: 24 }]);
  });

  it("a deleted key marks the account as needing attention; the private key never appears in logs or the database", async () => {
    const badKey = fake.serviceAccountKey(false);
    await seal(badKey);
    logs.length = 0;
    const error = await run("g2").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    const account = await database.owner.pool.query(
      "SELECT status::text, last_error FROM cloud_accounts WHERE id = $1",
      [cloudAccountId],
    );
    expect(account.rows[0]).toMatchObject({ status: "needs_attention" });
    const runs = await database.owner.pool.query(
      "SELECT error, details::text FROM sync_runs WHERE cloud_account_id = $1",
      [cloudAccountId],
    );
    const everything = [
      ...logs,
      JSON.stringify(account.rows),
      JSON.stringify(runs.rows),
      (error as Error).message,
    ].join("\n");
    const privateKey = (JSON.parse(badKey) as { private_key: string }).private_key;
    expect(everything).not.toContain(privateKey.split("\n")[1]!);
    expect(everything).not.toContain("PRIVATE KEY");
  });
});
