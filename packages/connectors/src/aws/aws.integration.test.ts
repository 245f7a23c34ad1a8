import { AthenaClient, GetQueryResultsCommand } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import type { AwsConnectorConfig } from "./config";
import { createAwsConnector } from "./connector";
import { clearCostExplorerCache } from "./cost-explorer";
import { cur2Columns } from "./cur2-columns";
import { curUsageQuery } from "./athena";
import {
  athenaSqlError,
  startFakeAws,
  type CeUsageRow,
  type FakeAws,
} from "./testing/fake-aws-server";

const roleArn = "arn:aws:iam::123456789012:role/CanopyReadOnly";
const externalId = "canopy-ext-7f3a9c";
const source = { accessKeyId: "AKIACANOPYSOURCE", secretAccessKey: "source-secret-value" };

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

const athenaTime = (ms: number) =>
  new Date(ms).toISOString().slice(0, 19).replace("T", " ") + ".000";

/** `hours` hours from `start`: per hour 2 accounts × (one EC2 instance line, one EBS line, one null-instance S3 line). */
function* curRows(start: Date, hours: number) {
  for (let h = 0; h < hours; h++) {
    const s = start.getTime() + h * 3_600_000;
    for (const account of ["111111111111", "222222222222"]) {
      yield [
        athenaTime(s),
        athenaTime(s + 3_600_000),
        account,
        "Usage",
        "AmazonEC2",
        "BoxUsage:m5.large",
        "us-east-1",
        "m5.large",
        "2",
        "8 GiB",
        "Hrs",
        "USD",
        `i-0${account.slice(0, 4)}`,
        '{"user_team":"checkout","user_env":"prod"}',
        "2",
        "0.192",
      ];
      yield [
        athenaTime(s),
        athenaTime(s + 3_600_000),
        account,
        "Usage",
        "AmazonEC2",
        "EBS:VolumeUsage.gp3",
        "us-east-1",
        null,
        null,
        null,
        "GB-Mo",
        "USD",
        `vol-0${account.slice(0, 4)}`,
        null,
        "0.5",
        "0.04",
      ];
      yield [
        athenaTime(s),
        athenaTime(s + 3_600_000),
        account,
        "Usage",
        "AmazonS3",
        "TimedStorage-ByteHrs",
        "eu-west-1",
        null,
        null,
        null,
        "GB-Mo",
        "USD",
        "canopy-bucket",
        '{"user_team":"data"}',
        "1.25",
        "0.03",
      ];
    }
  }
}

let fake: FakeAws;
const window: UsageWindow = {
  start: new Date("2026-11-01T00:00:00Z"),
  end: new Date("2026-11-03T00:00:00Z"),
};

function config(overrides: Partial<AwsConnectorConfig> = {}): AwsConnectorConfig {
  return {
    credentials: { roleArn, externalId },
    scope: {
      source: "athena",
      region: "us-east-1",
      database: "cur",
      table: "cur2",
      outputLocation: "s3://results/",
    },
    sourceIdentity: source,
    endpoints: fake.endpoints,
    backoff: { baseDelayMs: 5, retries: 4 },
    pollIntervalMs: 5,
    ...overrides,
  };
}

async function collect(iterable: AsyncIterable<unknown>) {
  const out: unknown[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

beforeAll(async () => {
  fake = await startFakeAws(
    { roleArn, externalId, sourceAccessKeyId: source.accessKeyId },
    { ce: 3, organizations: 2 },
  );
});
afterAll(async () => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.sqlSeen.length = 0;
  fake.failQueries(undefined);
  fake.setSessionLifetimeMs(3_600_000);
  fake.setAthenaResult(curColumns, () => curRows(window.start, 48));
  clearCostExplorerCache();
});

const targets = (name: string) => fake.requests.filter((r) => r.target === name);

describe("AWS connector against a fake AWS (real SDK clients)", () => {
  it("assumes the role with the external id, pushes the aggregation into Athena and reads the result object from S3", async () => {
    const summary = emptyFetchSummary("hourly");
    const records = (await collect(
      createAwsConnector(config()).fetchUsage(window, { summary }),
    )) as {
      accountId: string;
      kind: string;
      unit: string;
      quantity: number;
      periodHours: number;
      resourceId?: string;
      tags?: Record<string, string>;
      instanceType?: string;
    }[];

    // 48 hours × 2 accounts × 3 lines, in one S3 object: no GetQueryResults pages.
    expect(summary.rowsRead).toBe(288);
    expect(targets("AmazonAthena.GetQueryResults")).toHaveLength(0);
    expect(targets("S3.GetObject")).toHaveLength(1);
    expect(fake.resultObjects()).toContain("s3://results/q-1.csv");
    expect(summary.apiCalls).toEqual({
      "sts:AssumeRole": 1,
      "athena:StartQueryExecution": 1,
      "athena:GetQueryExecution": 2,
      "s3:GetObject": 1,
    });
    expect(summary.resolution).toBe("hourly");
    expect(records.length).toBe(summary.recordsYielded);
    expect(new Set(records.map((r) => r.accountId))).toEqual(
      new Set(["111111111111", "222222222222"]),
    );
    const vcpu = records.filter((r) => r.unit === "vcpu-hours");
    expect(vcpu.reduce((sum, r) => sum + r.quantity, 0)).toBeCloseTo(48 * 2 * 2 * 2); // 2 instance-hours × 2 vCPUs per account-hour
    expect(records.every((r) => r.periodHours === 1)).toBe(true);
    // Tags (resource_tags, as JSON) and resource ids reach the records as from a CUR 2.0 file.
    expect(vcpu[0]).toMatchObject({
      instanceType: "m5.large",
      resourceId: "i-01111",
      tags: { user_team: "checkout", user_env: "prod" },
    });
    const s3 = records.find((r) => r.resourceId === "canopy-bucket");
    expect(s3?.tags).toEqual({ user_team: "data" });
    expect(records.find((r) => r.resourceId === "vol-01111")?.tags).toBeUndefined();

    const assume = targets("STS.AssumeRole")[0];
    expect(assume?.accessKeyId).toBe(source.accessKeyId);
    expect(new URLSearchParams(assume?.body).get("ExternalId")).toBe(externalId);
    expect(new URLSearchParams(assume?.body).get("DurationSeconds")).toBe("3600");
    // Athena and S3 calls are signed with the assumed role's temporary key, not the source key.
    const keys = new Set(
      fake.requests.filter((r) => !r.target.startsWith("STS")).map((r) => r.accessKeyId),
    );
    expect([...keys].every((k) => k?.startsWith("ASIAFAKE"))).toBe(true);

    const sql = fake.sqlSeen[0] ?? "";
    expect(sql).toContain("product_instance_type,");
    expect(sql).not.toContain("'instance_type'");
    expect(sql).toContain("line_item_resource_id");
    expect(sql).toContain("json_format(CAST(resource_tags AS JSON)) AS resource_tags");
    expect(sql).toContain("billing_period IN ('2026-11')");
    expect(sql).toContain("TIMESTAMP '2026-11-01 00:00:00'");
    expect(sql).toMatch(/GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15$/);
  });

  it("the fake is a CUR 2.0 contract: unknown columns and product map keys that are static columns fail the query", async () => {
    const scope = {
      source: "athena" as const,
      region: "us-east-1",
      database: "cur",
      table: "cur2",
    };
    expect(athenaSqlError(curUsageQuery(scope, window), cur2Columns)).toBeUndefined();
    const old = curUsageQuery(scope, window).replace(
      "product_instance_type,",
      "element_at(product, 'instance_type') AS product_instance_type,",
    );
    expect(athenaSqlError(old, cur2Columns)).toMatch(/product_instance_type/);
    // Legacy CUR names and map keys read as columns are not in the CUR 2.0 schema.
    expect(athenaSqlError(`SELECT product_vcpu FROM "cur"."cur2"`, cur2Columns)).toMatch(
      /COLUMN_NOT_FOUND: line 1:8: Column 'product_vcpu' cannot be resolved/,
    );
    expect(athenaSqlError(`SELECT resource_tags_user_team FROM "cur"."cur2"`, cur2Columns)).toMatch(
      /resource_tags_user_team/,
    );

    // Through the connector: the FAILED query is a query error naming the column.
    fake.setTableColumns("narrow", ["line_item_usage_start_date"]);
    const failing = await collect(
      createAwsConnector(
        config({ scope: { ...scope, table: "narrow", outputLocation: "s3://results/" } }),
      ).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect((failing as ConnectorError).kind).toBe("query");
    expect((failing as Error).message).toMatch(/COLUMN_NOT_FOUND.*line_item_usage_end_date/);
  });

  it("the fake refuses GetQueryResults pages over 1,000 rows, as Athena does", async () => {
    const sts = await createAwsConnector(config()).validate(); // issues a session key
    expect(sts[0]?.status).toBe("passed");
    const key = fake.requests.find((r) => r.target === "AmazonAthena.StartQueryExecution")
      ?.accessKeyId as string;
    const athena = new AthenaClient({
      region: "us-east-1",
      endpoint: fake.url,
      maxAttempts: 1,
      credentials: { accessKeyId: key, secretAccessKey: "x", sessionToken: "y" },
    });
    try {
      const error = await athena
        .send(new GetQueryResultsCommand({ QueryExecutionId: "q-1", MaxResults: 1001 }))
        .catch((e: unknown) => e);
      expect((error as Error).name).toBe("InvalidRequestException");
      expect((error as Error).message).toContain("less than or equal to 1000");
    } finally {
      athena.destroy();
    }
  });

  it("recovers from throttling (TooManyRequestsException, S3 SlowDown) with backoff", async () => {
    fake.failNext(
      "S3.GetObject",
      { status: 503, type: "SlowDown", message: "Please reduce your request rate." },
      { status: 503, type: "SlowDown", message: "Please reduce your request rate." },
    );
    fake.failNext("AmazonAthena.StartQueryExecution", {
      status: 400,
      type: "TooManyRequestsException",
      message: "Too many queries",
    });
    const summary = emptyFetchSummary("hourly");
    await collect(createAwsConnector(config()).fetchUsage(window, { summary }));
    expect(summary.rowsRead).toBe(288);
    expect(targets("S3.GetObject")).toHaveLength(3);
    expect(summary.apiCalls?.["s3:GetObject"]).toBe(3);
  });

  it("gives up on endless throttling as a retryable 'throttled' error after the configured retries", async () => {
    const throttle = { status: 400, type: "ThrottlingException", message: "Rate exceeded" };
    fake.failNext(
      "AmazonAthena.StartQueryExecution",
      throttle,
      throttle,
      throttle,
      throttle,
      throttle,
    );
    const error = await collect(createAwsConnector(config()).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("throttled");
    expect((error as ConnectorError).permanent).toBe(false);
    expect(
      fake.requests.filter((r) => r.target === "AmazonAthena.StartQueryExecution"),
    ).toHaveLength(5);
  });

  it("wrong external id: a clear credentials error, one AssumeRole call, no retry storm", async () => {
    const error = await collect(
      createAwsConnector(config({ credentials: { roleArn, externalId: "wrong" } })).fetchUsage(
        window,
      ),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("credentials");
    expect((error as ConnectorError).permanent).toBe(true);
    expect((error as Error).message).toMatch(/could not assume the role.*sts:ExternalId/s);
    expect(fake.requests).toHaveLength(1);
  });

  it("wrong source keys: InvalidClientTokenId is a credentials error, not retried", async () => {
    const error = await collect(
      createAwsConnector(
        config({ sourceIdentity: { accessKeyId: "AKIAWRONG", secretAccessKey: "x" } }),
      ).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect((error as ConnectorError).kind).toBe("credentials");
    expect((error as Error).message).toContain("InvalidClientTokenId");
    expect(fake.requests).toHaveLength(1);
  });

  it("a session that ends mid-sync is renewed: the role is assumed again before expiry, never an ExpiredToken", async () => {
    // Sessions of 400 ms, renewed 300 ms before their end; the Athena polls outlive several sessions.
    fake.setSessionLifetimeMs(400);
    const before = fake.expiredRejections();
    const summary = emptyFetchSummary("hourly");
    await collect(
      createAwsConnector(config({ sessionRefreshMarginMs: 300, pollIntervalMs: 250 })).fetchUsage(
        window,
        { summary },
      ),
    );
    expect(summary.rowsRead).toBe(288);
    expect(fake.expiredRejections() - before).toBe(0);
    expect(summary.apiCalls?.["sts:AssumeRole"]).toBeGreaterThan(1);
    const keys = new Set(
      fake.requests.filter((r) => !r.target.startsWith("STS")).map((r) => r.accessKeyId),
    );
    expect(keys.size).toBeGreaterThan(1);
  });

  it("an ExpiredTokenException (session cut short) assumes the role again and carries on", async () => {
    fake.duringNextQuery(() => fake.expireCredentials());
    const summary = emptyFetchSummary("hourly");
    await collect(createAwsConnector(config()).fetchUsage(window, { summary }));
    expect(summary.rowsRead).toBe(288);
    expect(targets("STS.AssumeRole")).toHaveLength(2);
  });

  it("an expired token that re-assuming does not fix is transient, never a permanent credentials error", async () => {
    fake.failNext(
      "AmazonAthena.StartQueryExecution",
      {
        status: 403,
        type: "ExpiredTokenException",
        message: "The security token included in the request is expired",
      },
      {
        status: 403,
        type: "ExpiredTokenException",
        message: "The security token included in the request is expired",
      },
    );
    const error = await collect(createAwsConnector(config()).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect((error as ConnectorError).kind).toBe("transient");
    expect((error as ConnectorError).permanent).toBe(false);
    expect((error as Error).message).toContain("ExpiredTokenException");
    expect(targets("STS.AssumeRole")).toHaveLength(2);
  });

  it("the fake refuses an AssumeRole DurationSeconds above the role's MaxSessionDuration", async () => {
    const strict = await startFakeAws({
      roleArn,
      externalId,
      sourceAccessKeyId: source.accessKeyId,
      maxSessionSeconds: 1800,
    });
    try {
      const error = await collect(
        createAwsConnector(config({ endpoints: strict.endpoints })).fetchUsage(window),
      ).catch((e: unknown) => e);
      expect((error as Error).message).toContain("MaxSessionDuration");
    } finally {
      await strict.close();
    }
  });

  it("missing permission: the exact IAM action is named, and not retried", async () => {
    fake.deny("S3.GetObject", "s3:GetObject");
    try {
      const error = await collect(createAwsConnector(config()).fetchUsage(window)).catch(
        (e: unknown) => e,
      );
      expect((error as ConnectorError).kind).toBe("permission");
      expect((error as ConnectorError).permission).toBe("s3:GetObject");
      expect((error as Error).message).toContain('Add "s3:GetObject"');
      expect(targets("S3.GetObject")).toHaveLength(1);
    } finally {
      fake.deny("S3.GetObject", "");
    }
  });

  it("an unreachable endpoint is a network error naming the host, not bad credentials", async () => {
    const dead = "http://127.0.0.1:9"; // discard port: connection refused
    const error = await collect(
      createAwsConnector(config({ endpoints: { ...fake.endpoints, sts: dead } })).fetchUsage(
        window,
      ),
    ).catch((e: unknown) => e);
    expect((error as ConnectorError).kind).toBe("network");
    expect((error as ConnectorError).permanent).toBe(false);
    expect((error as Error).message).toMatch(/Could not reach .*ECONNREFUSED.*proxy, firewall/);
    const validate = await createAwsConnector(
      config({ endpoints: { ...fake.endpoints, sts: dead } }),
    )
      .validate()
      .catch((e: unknown) => e);
    expect((validate as ConnectorError).kind).toBe("network");
  });

  it("a CUR refresh in progress is detected from the export's Manifest.json and the window is not read", async () => {
    const exportLocation = "s3://cur-bucket/canopy/canopy-cur2";
    fake.setExport(exportLocation, ["2026-10", "2026-11"]);
    const scoped = config({
      scope: {
        source: "athena",
        region: "us-east-1",
        database: "cur",
        table: "cur2",
        outputLocation: "s3://results/",
        exportLocation,
      },
    });
    // Delivered and complete: read.
    const ok = emptyFetchSummary("hourly");
    await collect(createAwsConnector(scoped).fetchUsage(window, { summary: ok }));
    expect(ok.rowsRead).toBe(288);
    expect(ok.apiCalls?.["s3:ListObjectsV2"]).toBe(3); // manifest + data before, manifest after

    // Data files rewritten, manifest not yet: refused before any query runs.
    fake.startRefresh("2026-11");
    fake.sqlSeen.length = 0;
    const during = await collect(createAwsConnector(scoped).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect((during as ConnectorError).kind).toBe("transient");
    expect((during as Error).message).toMatch(
      /refreshing the CUR 2.0 export for 2026-11.*newer than its Manifest.json/,
    );
    expect(fake.sqlSeen).toHaveLength(0);

    // Finished: read again.
    fake.finishRefresh("2026-11");
    const after = emptyFetchSummary("hourly");
    await collect(createAwsConnector(scoped).fetchUsage(window, { summary: after }));
    expect(after.rowsRead).toBe(288);

    // A refresh that starts and completes while the query runs: the result is refused.
    fake.duringNextQuery(() => {
      fake.startRefresh("2026-11");
      fake.finishRefresh("2026-11");
    });
    const mixed = emptyFetchSummary("hourly");
    const raced = await collect(
      createAwsConnector(scoped).fetchUsage(window, { summary: mixed }),
    ).catch((e: unknown) => e);
    expect((raced as Error).message).toMatch(/Manifest.json changed while the query ran/);
    expect(mixed.rowsRead).toBe(0);
  });

  it("validate: every check passes on a good role; discovery is optional", async () => {
    fake.setAccounts([]);
    const checks = await createAwsConnector(config()).validate();
    expect(checks.map((c) => [c.permission, c.status])).toEqual([
      ["sts:AssumeRole", "passed"],
      ["athena:StartQueryExecution", "passed"],
      ["athena:GetQueryExecution", "passed"],
      ["s3:GetObject", "passed"],
      ["organizations:ListAccounts", "passed"],
      ["sustainability:GetEstimatedCarbonEmissions", "passed"],
    ]);
  });

  it("validate: a denied permission fails that check with the exact fix", async () => {
    fake.deny("AmazonAthena.StartQueryExecution", "athena:StartQueryExecution");
    fake.deny("Organizations.ListAccounts", "organizations:ListAccounts");
    try {
      const checks = await createAwsConnector(config()).validate();
      const athena = checks.find((c) => c.permission === "athena:StartQueryExecution");
      expect(athena?.status).toBe("failed");
      expect(athena?.fix).toBe(
        'Add "athena:StartQueryExecution" to the IAM policy attached to the role',
      );
      const org = checks.find((c) => c.permission === "organizations:ListAccounts");
      expect(org).toMatchObject({ status: "failed", required: false });
    } finally {
      fake.deny("AmazonAthena.StartQueryExecution", "");
      fake.deny("Organizations.ListAccounts", "");
    }
  });

  it("validate: a query that cannot read S3 names the S3 permissions; a wrong trust stops at AssumeRole", async () => {
    fake.failQueries(
      "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied)",
    );
    const checks = await createAwsConnector(config()).validate();
    expect(checks.find((c) => c.status === "failed")).toMatchObject({ permission: "s3:GetObject" });
    fake.failQueries(undefined);

    const bad = await createAwsConnector(
      config({ credentials: { roleArn, externalId: "nope" } }),
    ).validate();
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ permission: "sts:AssumeRole", status: "failed" });
    expect(bad[0]?.fix).toContain("sts:ExternalId");
  });

  it("fetchReportedCarbon: the CARBON_EMISSIONS export through Athena, tonnes converted to kg, every model version kept", async () => {
    fake.setAthenaResult(
      ["usage_account_id", "region_code", "product_code", "model_version", "lbm", "mbm", "unit"],
      () => [
        ["111111111111", "eu-central-1", "AmazonEC2", "v3.0.0", "0.0421", "0.0069", "MTCO2e"],
        ["111111111111", "eu-central-1", "AmazonEC2", "v2.0.0", "0.0400", "0.0060", "MTCO2e"],
      ],
    );
    const connector = createAwsConnector(
      config({ carbonExport: { database: "cur", table: "carbon_emissions" } }),
    );
    const figures = await connector.fetchReportedCarbon(new Date("2026-04-15T00:00:00Z"));
    expect(figures).toHaveLength(4);
    expect(figures[0]).toMatchObject({
      provider: "aws",
      month: "2026-04-01",
      scope: "total",
      service: "AmazonEC2",
      region: "eu-central-1",
      modelVersion: "v3.0.0",
    });
    expect(figures[0]!.co2eKg).toBeCloseTo(42.1);
    expect(figures[1]).toMatchObject({ scope: "total-market" });
    expect(fake.sqlSeen.at(-1)).toContain("usage_period_start = TIMESTAMP '2026-04-01 00:00:00'");
  });

  it("Sustainability API: Scope 1/2/3 and totals per account × region × service, MTCO2e → kg, paged, SigV4 for 'sustainability'", async () => {
    fake.setSustainabilityEmissions([
      {
        month: "2026-04",
        account: "111111111111",
        region: "eu-central-1",
        service: "AmazonEC2",
        modelVersion: "v3.0.0",
        values: {
          TOTAL_LBM_CARBON_EMISSIONS: 0.05,
          TOTAL_MBM_CARBON_EMISSIONS: 0.01,
          TOTAL_SCOPE_1_CARBON_EMISSIONS: 0.001,
          TOTAL_SCOPE_2_LBM_CARBON_EMISSIONS: 0.04,
          TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS: 0.0,
          TOTAL_SCOPE_3_LBM_CARBON_EMISSIONS: 0.009,
          TOTAL_SCOPE_3_MBM_CARBON_EMISSIONS: 0.009,
        },
      },
      {
        month: "2026-04",
        account: "222222222222",
        region: "us-east-1",
        service: "AmazonS3",
        modelVersion: "v3.0.0",
        values: { TOTAL_LBM_CARBON_EMISSIONS: 0.002, TOTAL_MBM_CARBON_EMISSIONS: 0.001 },
      },
      {
        month: "2026-04",
        account: "222222222222",
        region: "us-east-1",
        service: "AmazonEC2",
        modelVersion: "v3.0.0",
        values: { TOTAL_LBM_CARBON_EMISSIONS: 0.003 },
      },
      {
        month: "2026-05",
        account: "111111111111",
        region: "eu-central-1",
        service: "AmazonEC2",
        modelVersion: "v3.0.0",
        values: { TOTAL_LBM_CARBON_EMISSIONS: 9 },
      },
    ]);
    try {
      const figures = await createAwsConnector(config()).fetchReportedCarbon("2026-04");
      const calls = targets("Sustainability.GetEstimatedCarbonEmissions");
      expect(calls).toHaveLength(2); // 3 results, 2 per page
      expect(calls.every((c) => c.accessKeyId?.startsWith("ASIAFAKE"))).toBe(true);
      const sent = JSON.parse(calls[0]!.body) as Record<string, unknown>;
      expect(sent).toMatchObject({
        TimePeriod: { Start: "2026-04-01T00:00:00.000Z", End: "2026-05-01T00:00:00.000Z" },
        GroupBy: ["USAGE_ACCOUNT_ID", "REGION", "SERVICE"],
        Granularity: "MONTHLY",
      });
      expect(
        figures.every((f) => f.source === "aws-sustainability-api" && f.month === "2026-04-01"),
      ).toBe(true);
      const ec2 = figures.filter((f) => f.providerAccountId === "111111111111");
      expect(
        Object.fromEntries(ec2.map((f) => [f.scope, Math.round(f.co2eKg * 1000) / 1000])),
      ).toEqual({
        total: 50,
        "total-market": 10,
        scope1: 1,
        "scope2-location": 40,
        "scope2-market": 0,
        scope3: 9, // the location-based Scope 3; the market-based one has no slot
      });
      expect(ec2[0]).toMatchObject({
        region: "eu-central-1",
        service: "AmazonEC2",
        modelVersion: "v3.0.0",
      });
      expect(figures.filter((f) => f.providerAccountId === "222222222222")).toHaveLength(3);

      // Without the API permission: the export alone when there is one, else the denied action is named.
      fake.deny(
        "Sustainability.GetEstimatedCarbonEmissions",
        "sustainability:GetEstimatedCarbonEmissions",
      );
      const denied = await createAwsConnector(config())
        .fetchReportedCarbon("2026-04")
        .catch((e: unknown) => e);
      expect((denied as ConnectorError).kind).toBe("permission");
      expect((denied as ConnectorError).permission).toBe(
        "sustainability:GetEstimatedCarbonEmissions",
      );
      fake.setAthenaResult(
        ["usage_account_id", "region_code", "product_code", "model_version", "lbm", "mbm", "unit"],
        () => [
          ["111111111111", "eu-central-1", "AmazonEC2", "v2.0.0", "0.0400", "0.0060", "MTCO2e"],
        ],
      );
      const fromExport = await createAwsConnector(
        config({ carbonExport: { database: "cur", table: "carbon_emissions" } }),
      ).fetchReportedCarbon("2026-04");
      expect(fromExport.map((f) => f.source)).toEqual([
        "aws-carbon-emissions-export",
        "aws-carbon-emissions-export",
      ]);
    } finally {
      fake.deny("Sustainability.GetEstimatedCarbonEmissions", "");
      fake.setSustainabilityEmissions([]);
    }
  });

  it("discover: Organizations ListAccounts, all pages", async () => {
    fake.setAccounts([
      { Id: "111111111111", Name: "payer", Status: "ACTIVE" },
      { Id: "222222222222", Name: "prod", Status: "ACTIVE" },
      { Id: "333333333333", Name: "old", Status: "SUSPENDED" },
    ]);
    const accounts = await createAwsConnector(config()).discover();
    expect(accounts.map((a) => a.id)).toEqual(["111111111111", "222222222222", "333333333333"]);
    expect(fake.requests.filter((r) => r.target === "Organizations.ListAccounts")).toHaveLength(2);
  });

  it("Cost Explorer quick start: daily, two group-bys per call, filtered per account and service, paged, LimitExceeded retried", async () => {
    const usage: CeUsageRow[] = [];
    for (const date of ["2026-11-01", "2026-11-02"]) {
      for (const account of ["111111111111", "222222222222"]) {
        usage.push({
          date,
          account,
          service: "Amazon Elastic Compute Cloud - Compute",
          usageType: "BoxUsage:m5.large",
          region: "us-east-1",
          quantity: 24,
          unit: "Hrs",
          cost: 2.304,
        });
        usage.push({
          date,
          account,
          service: "Amazon Elastic Compute Cloud - Compute",
          usageType: "EUW1-BoxUsage:m5.xlarge",
          region: "eu-west-1",
          quantity: 12,
          unit: "Hrs",
          cost: 2.3,
        });
        usage.push({
          date,
          account,
          service: "Amazon Simple Storage Service",
          usageType: "TimedStorage-ByteHrs",
          region: "us-east-1",
          quantity: 100,
          unit: "GB-Mo",
          cost: 2.3,
        });
      }
    }
    fake.setCostExplorerUsage(usage);
    fake.failNext("CostExplorer.GetCostAndUsage", {
      status: 400,
      type: "LimitExceededException",
      message: "You have exceeded the rate limit",
    });
    const summary = emptyFetchSummary("hourly");
    const connector = createAwsConnector(config({ scope: { source: "cost-explorer" } }));
    expect(connector.resolution).toBe("daily");
    const records = (await collect(connector.fetchUsage(window, { summary }))) as {
      periodHours: number;
      unit: string;
      quantity: number;
      instanceType?: string;
    }[];
    expect(summary.resolution).toBe("daily");
    expect(summary.rowsRead).toBe(12);
    expect(records.every((r) => r.periodHours === 24)).toBe(true);
    const calls = fake.requests
      .filter((r) => r.target === "CostExplorer.GetCostAndUsage")
      .map((r) => JSON.parse(r.body) as { GroupBy: unknown[] });
    expect(calls.every((c) => c.GroupBy.length <= 2)).toBe(true);
    // 1 throttled + the LINKED_ACCOUNT×SERVICE pass (8 day-groups / 3 per page = 3 pages) + 4 (account, service)
    // passes: EC2 has 4 day-groups (2 pages), S3 has 2 (1 page).
    expect(calls.length).toBe(1 + 3 + 2 * 2 + 2 * 1);
    const m5 = records.filter((r) => r.instanceType === "m5.large" && r.unit === "vcpu-hours");
    expect(m5.reduce((s, r) => s + r.quantity, 0)).toBeCloseTo(2 * 2 * 24 * 2);
    // USD 0.01 per request, counted (the throttled one was a request too) and priced on the summary.
    expect(summary.apiCalls?.["ce:GetCostAndUsage"]).toBe(10);
    expect(summary.apiCost).toEqual({
      service: "AWS Cost Explorer",
      requests: 10,
      cachedRequests: 0,
      costAmount: 0.1,
      currency: "USD",
    });
    const recordTypes = (
      JSON.parse(calls[1] ? JSON.stringify(calls[1]) : "{}") as {
        Filter?: { Dimensions?: { Values: string[] } };
      }
    ).Filter?.Dimensions?.Values;
    expect(recordTypes).toEqual(["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"]);

    // The next sync of the same window reuses the answers: no request, no cost, same records.
    const again = emptyFetchSummary("daily");
    const before = fake.requests.length;
    const cached = await collect(connector.fetchUsage(window, { summary: again }));
    expect(
      fake.requests.slice(before).filter((r) => r.target.startsWith("CostExplorer")),
    ).toHaveLength(0);
    expect(cached).toHaveLength(records.length);
    expect(again.apiCost).toMatchObject({ requests: 0, cachedRequests: 9, costAmount: 0 });
  });
});
