import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKeyring, sealCredentials, type SealedCredentials } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import {
  startFakeAws,
  startFakeAzure,
  type FakeAws,
  type FakeAzure,
} from "@canopy/connectors/testing";
import { attemptContext, type JobDeps } from "../contract";
import type { ConnectorSettings } from "../connector-for";
import { reconcileProviderEmissions } from "../reconciliation";
import { fetchReportedCarbon, monthRange, reportedCarbonMonths } from "./fetch-reported-carbon";
import { syncAccount } from "./sync-account";

const roleArn = "arn:aws:iam::111111111111:role/CanopyReadOnly";
const externalId = "ext-id-carbon-0001";
const sourceAccessKeyId = "AKIACANOPYSOURCE002";
const directoryTenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_for_carbon_0123";
const subscriptionId = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";

const carbonColumns = [
  "usage_account_id",
  "region_code",
  "product_code",
  "model_version",
  "lbm",
  "mbm",
  "unit",
];

describe("fetch-reported-carbon", () => {
  let database: TestDatabase;
  let aws: FakeAws;
  let azure: FakeAzure;
  const keyring = createKeyring(Buffer.alloc(32, 6).toString("base64"));
  const enqueued: { name: string; payload: unknown; jobId: string | undefined }[] = [];
  let deps: JobDeps;
  let tenantId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    aws = await startFakeAws({ roleArn, externalId, sourceAccessKeyId });
    azure = await startFakeAzure({ tenantId: directoryTenantId, clientId, clientSecret });
    const connectors: ConnectorSettings = {
      aws: {
        endpoints: aws.endpoints,
        sourceIdentity: { accessKeyId: sourceAccessKeyId, secretAccessKey: "source-secret" },
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
      log: () => undefined,
      enqueue: async (name, payload, options) => {
        enqueued.push({ name, payload, jobId: options?.jobId });
        return randomUUID();
      },
    };
  });
  afterAll(async () => {
    await aws?.close();
    await azure?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    tenantId = randomUUID();
    enqueued.length = 0;
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    // Only April 2026 is published; other months come back empty.
    aws.setAthenaResult(carbonColumns, (sql) =>
      sql.includes("usage_period_start = TIMESTAMP '2026-04-01 00:00:00'")
        ? [["111111111111", "eu-central-1", "AmazonEC2", "v3.0.0", "0.0421", "0.0069", "MTCO2e"]]
        : [],
    );
  });

  async function account(
    provider: "aws" | "azure",
    providerAccountId: string,
    credentials: Record<string, unknown>,
  ) {
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, external_id, status)
       VALUES ($1, $2, 'A', $3, $4, 'active') RETURNING id`,
      [tenantId, provider, providerAccountId, provider === "aws" ? externalId : null],
    );
    const id = rows[0]!.id;
    const sealed = sealCredentials(keyring, tenantId, id, {
      provider,
      ...credentials,
    } as SealedCredentials);
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
      [id, sealed.ciphertext, sealed.keyId],
    );
    return id;
  }
  const awsCarbon = {
    roleArn,
    athenaRegion: "eu-central-1",
    athenaDatabase: "cur",
    athenaTable: "cur2",
    athenaCarbonTable: "carbon_emissions",
  };
  const run = (cloudAccountId: string, fromMonth: string, toMonth: string) =>
    fetchReportedCarbon.process(
      { tenantId, cloudAccountId, fromMonth, toMonth },
      deps,
      attemptContext(fetchReportedCarbon.options, randomUUID()),
    );
  const stored = async () =>
    (
      await database.owner.pool.query<{ month: string; scope: string; kg: number }>(
        `SELECT to_char(month, 'YYYY-MM') AS month, scope, sum(co2e_kg)::float8 AS kg
         FROM provider_reported_emissions WHERE tenant_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
        [tenantId],
      )
    ).rows;

  it("months of a sync: those covered plus the one before (published mid next month)", () => {
    expect(
      reportedCarbonMonths([
        { start: new Date("2026-05-02T00:00:00Z"), end: new Date("2026-05-05T00:00:00Z") },
      ]),
    ).toEqual({ from: "2026-04", to: "2026-05" });
    expect(
      reportedCarbonMonths([
        { start: new Date("2025-12-01T00:00:00Z"), end: new Date("2026-01-01T00:00:00Z") },
        { start: new Date("2026-01-01T00:00:00Z"), end: new Date("2026-01-20T10:00:00Z") },
      ]),
    ).toEqual({ from: "2025-11", to: "2026-01" });
    expect(monthRange("2025-11", "2026-02")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
  });

  it("AWS: stores the CARBON_EMISSIONS months that are published, skips those that are not, and replaces on re-fetch", async () => {
    const id = await account("aws", "111111111111", awsCarbon);
    const result = await run(id, "2026-03", "2026-05");
    expect(result).toMatchObject({ published: ["2026-04"], unpublished: ["2026-03", "2026-05"] });
    await run(id, "2026-04", "2026-04");
    const rows = await stored();
    expect(rows.map((r) => [r.month, r.scope])).toEqual([
      ["2026-04", "total"],
      ["2026-04", "total-market"],
    ]);
    expect(rows[0]!.kg).toBeCloseTo(42.1);
    const [reconciled] = await reconcileProviderEmissions(database.app, tenantId, {
      from: "2026-04-01",
      to: "2026-05-01",
    });
    expect(reconciled).toMatchObject({ provider: "aws", month: "2026-04-01" });
    expect(reconciled!.reported!.co2eKg).toBeCloseTo(42.1);
  });

  it("AWS without a carbon export table reads the Sustainability API; the sync queues the fetch for every AWS account", async () => {
    const plain = await account("aws", "111111111112", {
      roleArn,
      athenaDatabase: "cur",
      athenaTable: "cur2",
    });
    aws.setSustainabilityEmissions([
      {
        month: "2026-04",
        account: "111111111112",
        region: "eu-west-1",
        service: "AmazonEC2",
        modelVersion: "v3.0.0",
        values: {
          TOTAL_LBM_CARBON_EMISSIONS: 0.02,
          TOTAL_SCOPE_1_CARBON_EMISSIONS: 0.001,
          TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS: 0.004,
        },
      },
    ]);
    try {
      await expect(run(plain, "2026-03", "2026-04")).resolves.toMatchObject({
        published: ["2026-04"],
        unpublished: ["2026-03"],
      });
    } finally {
      aws.setSustainabilityEmissions([]);
    }
    expect(await stored()).toEqual([
      { month: "2026-04", scope: "scope1", kg: 1 },
      { month: "2026-04", scope: "scope2-market", kg: 4 },
      { month: "2026-04", scope: "total", kg: 20 },
    ]);
    const { rows: sources } = await database.owner.pool.query<{ source: string }>(
      "SELECT DISTINCT source FROM provider_reported_emissions WHERE tenant_id = $1",
      [tenantId],
    );
    expect(sources.map((r) => r.source)).toEqual(["aws-sustainability-api"]);

    const withCarbon = await account("aws", "111111111111", awsCarbon);
    const context = attemptContext(syncAccount.options, "sync-1");
    const window = { windowStart: "2026-05-02T00:00:00Z", windowEnd: "2026-05-03T00:00:00Z" };
    for (const cloudAccountId of [plain, withCarbon])
      await syncAccount.process(
        { tenantId, cloudAccountId, ...window, mode: "sync" },
        deps,
        context,
      );
    const queued = enqueued.filter((e) => e.name === "fetch-reported-carbon");
    expect(queued.map((q) => (q.payload as { cloudAccountId: string }).cloudAccountId)).toEqual([
      plain,
      withCarbon,
    ]);
    expect(queued[1]!.payload).toEqual({
      tenantId,
      cloudAccountId: withCarbon,
      fromMonth: "2026-04",
      toMonth: "2026-05",
    });
    expect(queued[1]!.jobId).toMatch(
      new RegExp(`^reported-carbon:${withCarbon}:2026-04:2026-05:\\d{4}-\\d{2}-\\d{2}$`),
    );
  });

  it("Azure: Carbon Optimization per subscription and scope (1, 2 market-based, 3) and their total", async () => {
    azure.setCarbon([{ subscriptionId, scope1: 0.04, scope2: 1.2, scope3: 0.6 }]);
    const id = await account("azure", subscriptionId, {
      directoryTenantId,
      clientId,
      clientSecret,
    });
    await expect(run(id, "2026-10", "2026-10")).resolves.toMatchObject({
      published: ["2026-10"],
    });
    expect(
      (await stored()).map((row) => ({ ...row, kg: Math.round(row.kg * 1000) / 1000 })),
    ).toEqual([
      { month: "2026-10", scope: "scope1", kg: 0.04 },
      { month: "2026-10", scope: "scope2-market", kg: 1.2 },
      { month: "2026-10", scope: "scope3", kg: 0.6 },
      { month: "2026-10", scope: "total", kg: 1.84 },
    ]);
  });

  it("refuses a payload spanning more than two years", () => {
    expect(
      fetchReportedCarbon.payload.safeParse({
        tenantId,
        cloudAccountId: randomUUID(),
        fromMonth: "2020-01",
        toMonth: "2026-01",
      }).success,
    ).toBe(false);
  });
});
