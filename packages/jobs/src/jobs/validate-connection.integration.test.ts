import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createKeyring,
  sealCredentials,
  type Connection,
  type SealedCredentials,
} from "@canopy/db";
import { createTestDatabase, testServices, type TestDatabase } from "@canopy/db/testing";
import IORedis from "ioredis";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  startFakeAws,
  startFakeAzure,
  startFakeGcp,
  type FakeAws,
  type FakeAzure,
} from "@canopy/connectors/testing";
import { attemptContext, type JobDeps } from "../contract";
import { createBullmqDriver } from "../drivers/bullmq";
import { createRegistry } from "../registry";
import type { ConnectorSettings } from "../connector-for";
import { createInlineDriver } from "../drivers/inline";
import { PermanentJobError } from "../errors";
import { validateConnection, type ConnectionCheckResult } from "./validate-connection";

const roleArn = "arn:aws:iam::111111111111:role/CanopyReadOnly";
const externalId = "ext-id-validate-0001";
const sourceAccessKeyId = "AKIACANOPYSOURCE001";
const sourceSecret = "canopy/SOURCE+secret/0123456789abcdefghij";
const directoryTenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_for_validate_0123";
const subscriptionId = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";
// Empty when no Redis answers outside CI; the BullMQ case then does not run.
const redisUrl = testServices().testRedisUrl;

async function newTenant(db: TestDatabase) {
  const tenantId = randomUUID();
  await db.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
    tenantId,
    `t-${tenantId}`,
  ]);
  return tenantId;
}

describe("validate-connection", () => {
  let database: TestDatabase;
  let aws: FakeAws;
  let azure: FakeAzure;
  const keyring = createKeyring(Buffer.alloc(32, 5).toString("base64"));
  const logs: string[] = [];
  let deps: JobDeps;

  beforeAll(async () => {
    database = await createTestDatabase();
    aws = await startFakeAws({ roleArn, externalId, sourceAccessKeyId });
    azure = await startFakeAzure({ tenantId: directoryTenantId, clientId, clientSecret });
    const connectors: ConnectorSettings = {
      aws: {
        endpoints: aws.endpoints,
        sourceIdentity: { accessKeyId: sourceAccessKeyId, secretAccessKey: sourceSecret },
        backoff: { baseDelayMs: 5, retries: 2 },
        pollIntervalMs: 5,
      },
      azure: {
        endpoints: azure.endpoints,
        httpClient: azure.httpClient,
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
  });
  afterAll(async () => {
    await aws?.close();
    await azure?.close();
    await database?.drop();
  });

  let tenantId: string;
  beforeEach(async () => {
    tenantId = await newTenant(database);
    aws.setAthenaResult(["line_item_usage_start_date"], () => [["2026-11-01 00:00:00"]]);
    // The sealed exportBucket with the wizard's export name: its manifest for this month exists.
    aws.setExport("s3://acme-cur/canopy-cur2", [new Date().toISOString().slice(0, 7)]);
    aws.setAccounts([
      { Id: "111111111111", Name: "payer", Status: "ACTIVE" },
      { Id: "222222222222", Name: "prod", Status: "ACTIVE" },
    ]);
  });

  async function awsAccount(sealed: Record<string, unknown>, external = externalId) {
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, external_id, status, connection_check_status)
       VALUES ($1, 'aws', 'Payer', '111111111111', $2, 'pending', 'checking') RETURNING id`,
      [tenantId, external],
    );
    const id = rows[0]!.id;
    await seal(id, { provider: "aws", roleArn, exportBucket: "acme-cur", ...sealed });
    return id;
  }
  async function seal(id: string, credentials: SealedCredentials) {
    const sealed = sealCredentials(keyring, tenantId, id, credentials);
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
      [id, sealed.ciphertext, sealed.keyId],
    );
  }
  async function outcome(id: string) {
    const { rows } = await database.owner.pool.query<{
      status: string | null;
      checks: ConnectionCheckResult | null;
      checked_at: Date | null;
    }>(
      `SELECT connection_check_status::text AS status, connection_checks AS checks, connection_checked_at AS checked_at
       FROM cloud_accounts WHERE id = $1`,
      [id],
    );
    return rows[0]!;
  }
  const run = (id: string, attempt = 1) =>
    validateConnection.process(
      { tenantId, cloudAccountId: id },
      deps,
      attemptContext(validateConnection.options, randomUUID(), attempt),
    );
  const athena = {
    athenaRegion: "eu-west-1",
    athenaDatabase: "cur",
    athenaTable: "cur2",
  };

  it("passes every probe of a CUR 2.0 Athena connection and lists the organization's accounts", async () => {
    const id = await awsAccount(athena);
    await expect(run(id)).resolves.toMatchObject({ status: "passed" });
    const { status, checks, checked_at } = await outcome(id);
    expect(status).toBe("passed");
    expect(checked_at).toBeInstanceOf(Date);
    expect(checks!.message).toMatch(/^Connected/);
    expect(checks!.resolution).toBe("hourly");
    expect(checks!.checks.map((c) => [c.permission, c.status])).toEqual([
      ["sts:AssumeRole", "passed"],
      ["athena:StartQueryExecution", "passed"],
      ["athena:GetQueryExecution", "passed"],
      ["s3:GetObject", "passed"],
      ["s3:ListBucket", "passed"],
      ["organizations:ListAccounts", "passed"],
      ["sustainability:GetEstimatedCarbonEmissions", "passed"],
      // Optional: measured utilization from CloudWatch.
      ["cloudwatch:GetMetricData", "passed"],
    ]);
    expect(checks!.discovered?.map((a) => a.id)).toEqual(["111111111111", "222222222222"]);
  });

  it("names a missing permission exactly, with its fix, beside the checks that passed", async () => {
    const id = await awsAccount(athena);
    aws.deny("S3.GetObject", "s3:GetObject");
    try {
      await expect(run(id)).resolves.toMatchObject({ status: "failed" });
    } finally {
      aws.deny("S3.GetObject", "");
    }
    const { status, checks } = await outcome(id);
    expect(status).toBe("failed");
    expect(checks!.message).toContain("s3:GetObject");
    const failed = checks!.checks.filter((c) => c.status === "failed");
    expect(failed.map((c) => c.permission)).toEqual(["s3:GetObject"]);
    expect(failed[0]!.fix).toContain("s3:GetObject");
    expect(checks!.checks.filter((c) => c.status === "passed").length).toBeGreaterThanOrEqual(3);
    expect(checks!.discovered).toBeNull();
  });

  it("an unreachable AWS endpoint is its own outcome, not bad credentials", async () => {
    const id = await awsAccount(athena);
    const settings = {
      endpoints: { ...aws.endpoints, sts: "http://127.0.0.1:9" }, // nothing listens: refused
      sourceIdentity: { accessKeyId: sourceAccessKeyId, secretAccessKey: sourceSecret },
      backoff: { baseDelayMs: 5, retries: 0 },
      pollIntervalMs: 5,
    };
    const azureSettings = {
      endpoints: azure.endpoints,
      httpClient: azure.httpClient,
      backoff: { baseDelayMs: 5, retries: 2 },
    };
    deps.connectors = { aws: settings, azure: azureSettings };
    try {
      // First attempt: retried by the queue (no outcome yet); the last one records it.
      await expect(run(id, 1)).rejects.toThrow(/Could not reach/);
      expect((await outcome(id)).status).toBe("checking");
      await expect(run(id, 2)).rejects.toThrow(/Could not reach/);
    } finally {
      deps.connectors = {
        aws: { ...settings, endpoints: aws.endpoints, backoff: { baseDelayMs: 5, retries: 2 } },
        azure: azureSettings,
      };
    }
    const { status, checks } = await outcome(id);
    expect(status).toBe("failed");
    expect(checks!.outcome).toBe("unreachable");
    expect(checks!.message).toMatch(
      /Could not reach .*ECONNREFUSED.*proxy, firewall or DNS.*not tested/,
    );
    expect(checks!.message).not.toMatch(/sign in|credentials were wrong/i);
  });

  it("GCP: the wizard's accounts in scope are the billing account's projects (Cloud Billing), tested with testIamPermissions", async () => {
    const gcp = await startFakeGcp();
    const settings = {
      aws: {
        endpoints: aws.endpoints,
        sourceIdentity: { accessKeyId: sourceAccessKeyId, secretAccessKey: sourceSecret },
        backoff: { baseDelayMs: 5, retries: 2 },
        pollIntervalMs: 5,
      },
      azure: {
        endpoints: azure.endpoints,
        httpClient: azure.httpClient,
        backoff: { baseDelayMs: 5, retries: 2 },
      },
    };
    deps.connectors = {
      ...settings,
      gcp: { bigQueryEndpoint: gcp.url, cloudBillingEndpoint: gcp.url, backoff: { retries: 0 } },
    };
    try {
      gcp.setBillingAccount({
        id: "0123AB-456789-CDEF01",
        projects: [{ projectId: "acme-search-prod" }, { projectId: "acme-data" }],
        permissions: ["billing.accounts.get", "billing.resourceAssociations.list"],
      });
      const { rows } = await database.owner.pool.query<{ id: string }>(
        `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status, connection_check_status)
         VALUES ($1, 'gcp', 'Billing', '0123AB-456789-CDEF01', 'pending', 'checking') RETURNING id`,
        [tenantId],
      );
      const id = rows[0]!.id;
      await seal(id, {
        provider: "gcp",
        serviceAccountKey: gcp.serviceAccountKey(),
        billingExportTable: "acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB",
      });
      await run(id);
      const { status, checks } = await outcome(id);
      expect(status).toBe("passed");
      expect(checks!.checks.map((c) => [c.permission, c.status])).toContainEqual([
        "billing.resourceAssociations.list",
        "passed",
      ]);
      expect(checks!.discovered?.map((d) => d.id)).toEqual(["acme-search-prod", "acme-data"]);
    } finally {
      deps.connectors = settings;
      await gcp.close();
    }
  });

  it("an unreachable Google token endpoint is its own outcome, not bad credentials", async () => {
    const gcp = await startFakeGcp();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const host = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const { rows } = await database.owner.pool.query<{ id: string }>(
        `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status, connection_check_status)
         VALUES ($1, 'gcp', 'Billing', '0123AB-456789-CDEF01', 'pending', 'checking') RETURNING id`,
        [tenantId],
      );
      const id = rows[0]!.id;
      // The key's token_uri is where nothing listens (a proxy or firewall dropping the connection).
      const key = { ...JSON.parse(gcp.serviceAccountKey()), token_uri: `http://${host}/token` };
      await seal(id, {
        provider: "gcp",
        serviceAccountKey: JSON.stringify(key),
        billingExportTable: "acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB",
      });
      await expect(run(id, 1)).rejects.toThrow(/Could not reach/);
      expect((await outcome(id)).status).toBe("checking");
      await expect(run(id, 2)).rejects.toThrow(/Could not reach/);
      const { status, checks } = await outcome(id);
      expect(status).toBe("failed");
      expect(checks!.outcome).toBe("unreachable");
      expect(checks!.message).toContain(
        `Could not reach ${host} (ECONNREFUSED): proxy or firewall?`,
      );
      expect(checks!.message).toMatch(/not tested/);
      expect(checks!.message).not.toMatch(/sign in|rejected the service account key/i);
    } finally {
      await gcp.close();
    }
  });

  it("without Athena fields tests the Cost Explorer quick start (daily) and says so", async () => {
    const id = await awsAccount({});
    await run(id);
    const { status, checks } = await outcome(id);
    expect(status).toBe("passed");
    expect(checks!.resolution).toBe("daily");
    expect(checks!.checks.map((c) => c.permission)).toContain("ce:GetCostAndUsage");
    expect(checks!.message).toMatch(/Cost Explorer/);
  });

  it("a role that does not trust the external id fails permanently after one call, with the fix", async () => {
    const id = await awsAccount(athena, "canopy-not-the-trusted-one");
    const before = aws.requests.length;
    const error = await run(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toMatch(/could not sign in/);
    expect(aws.requests.length - before).toBe(1);
    const { status, checks } = await outcome(id);
    expect(status).toBe("failed");
    expect(checks!.checks).toHaveLength(1);
    expect(checks!.checks[0]).toMatchObject({ permission: "sts:AssumeRole", status: "failed" });
    expect(checks!.checks[0]!.fix).toContain("sts:ExternalId");
  });

  it("an account without credentials is reported, not retried", async () => {
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status, connection_check_status)
       VALUES ($1, 'gcp', 'Billing', '0123AB-456789-CDEF01', 'pending', 'checking') RETURNING id`,
      [tenantId],
    );
    await expect(run(rows[0]!.id)).rejects.toBeInstanceOf(PermanentJobError);
    const { status, checks } = await outcome(rows[0]!.id);
    expect(status).toBe("failed");
    expect(checks!.message).toMatch(/no stored credentials/);
  });

  it("Azure: a wrong client secret is a clear permanent failure; the right one lists subscriptions", async () => {
    azure.setSubscriptions([
      { subscriptionId, displayName: "Production", state: "Enabled" },
      {
        subscriptionId: "9a9a9a9a-0000-4000-8000-000000000001",
        displayName: "Dev",
        state: "Enabled",
      },
    ]);
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, 'azure', 'Sub', $2, 'pending') RETURNING id`,
      [tenantId, subscriptionId],
    );
    const id = rows[0]!.id;
    await seal(id, {
      provider: "azure",
      directoryTenantId,
      clientId,
      clientSecret: "wrong-secret-0000",
    });
    const before = azure.requests.length;
    await expect(run(id)).rejects.toBeInstanceOf(PermanentJobError);
    expect(azure.requests.length - before).toBeLessThanOrEqual(2); // metadata + one token call
    const failed = await outcome(id);
    expect(failed.status).toBe("failed");
    expect(failed.checks!.checks[0]).toMatchObject({
      permission: "Microsoft Entra ID sign-in",
      status: "failed",
    });
    expect(failed.checks!.checks[0]!.fix).toMatch(/client secret/);

    await seal(id, { provider: "azure", directoryTenantId, clientId, clientSecret });
    await run(id);
    const passed = await outcome(id);
    expect(passed.status).toBe("passed");
    expect(passed.checks!.discovered?.map((s) => s.name)).toEqual(["Production", "Dev"]);
  });

  it.skipIf(!redisUrl)(
    "runs on BullMQ: a passing test is stored; a wrong trust fails once, without retries",
    async () => {
      const good = await awsAccount(athena);
      const { rows } = await database.owner.pool.query<{ id: string }>(
        `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, external_id, status)
         VALUES ($1, 'aws', 'Other', '333333333333', 'canopy-untrusted', 'pending') RETURNING id`,
        [tenantId],
      );
      const bad = rows[0]!.id;
      await seal(bad, { provider: "aws", roleArn, exportBucket: "acme-cur", ...athena });
      const failures: boolean[] = [];
      const prefix = `{canopy-test-validate-${randomUUID().slice(0, 8)}}`;
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
        registry: createRegistry([validateConnection]),
        events: { onFailed: (_name, _ms, _error, willRetry) => failures.push(willRetry) },
      });
      try {
        await driver.startWorkers();
        await driver.enqueue("validate-connection", { tenantId, cloudAccountId: good });
        await driver.enqueue("validate-connection", { tenantId, cloudAccountId: bad });
        await driver.drain();
      } finally {
        await driver.close();
        const redis = new IORedis(redisUrl);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
      expect((await outcome(good)).status).toBe("passed");
      expect((await outcome(bad)).status).toBe("failed");
      expect(failures).toEqual([false]);
    },
  );

  it("runs from the registry on the inline driver and never logs or stores a secret", async () => {
    const id = await awsAccount({
      ...athena,
      accessKeyId: sourceAccessKeyId,
      secretAccessKey: sourceSecret,
    });
    const captured: string[] = [...logs];
    const driver = createInlineDriver({
      connectors: deps.connectors,
      owner: database.owner,
      app: database.app as Connection,
      keyring,
      log: (line) => captured.push(line),
    });
    await driver.startWorkers();
    try {
      await driver.enqueue("validate-connection", { tenantId, cloudAccountId: id });
      await driver.drain();
      aws.deny("Organizations.ListAccounts", "organizations:ListAccounts");
      await driver.enqueue("validate-connection", { tenantId, cloudAccountId: id });
      await driver.drain();
    } finally {
      aws.deny("Organizations.ListAccounts", "");
      await driver.close();
    }
    const { status, checks } = await outcome(id);
    // The optional discovery permission failing does not fail the test.
    expect(status).toBe("passed");
    expect(checks!.discovered).toBeNull();
    expect(checks!.discoveryError).toBeTruthy();
    const stored = await database.owner.pool.query(
      "SELECT connection_checks::text AS c FROM cloud_accounts WHERE tenant_id = $1",
      [tenantId],
    );
    const everything = [...captured, JSON.stringify(stored.rows)].join("\n");
    for (const secret of [sourceSecret, clientSecret, "private_key"])
      expect(everything).not.toContain(secret);
  });
});
