import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import type { AwsConnectorConfig } from "./config";
import { createAwsConnector } from "./connector";
import { startFakeAws, type CeUsageRow, type FakeAws } from "./testing/fake-aws-server";

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
    pageSize: 50,
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
  fake.setAthenaResult(curColumns, () => curRows(window.start, 48));
});

describe("AWS connector against a fake AWS (real SDK clients)", () => {
  it("assumes the role with the external id, pushes the aggregation into Athena and pages the results", async () => {
    const summary = emptyFetchSummary("hourly");
    const records = (await collect(
      createAwsConnector(config()).fetchUsage(window, { summary }),
    )) as {
      accountId: string;
      kind: string;
      unit: string;
      quantity: number;
      periodHours: number;
    }[];

    // 48 hours × 2 accounts × 3 lines; 50-row pages → 6 GetQueryResults calls.
    expect(summary.rowsRead).toBe(288);
    expect(fake.requests.filter((r) => r.target === "AmazonAthena.GetQueryResults")).toHaveLength(
      6,
    );
    expect(summary.resolution).toBe("hourly");
    expect(records.length).toBe(summary.recordsYielded);
    expect(new Set(records.map((r) => r.accountId))).toEqual(
      new Set(["111111111111", "222222222222"]),
    );
    const vcpuHours = records
      .filter((r) => r.unit === "vcpu-hours")
      .reduce((sum, r) => sum + r.quantity, 0);
    expect(vcpuHours).toBeCloseTo(48 * 2 * 2 * 2); // 2 instance-hours × 2 vCPUs per account-hour
    expect(records.every((r) => r.periodHours === 1)).toBe(true);

    const assume = fake.requests.find((r) => r.target === "STS.AssumeRole");
    expect(assume?.accessKeyId).toBe(source.accessKeyId);
    expect(new URLSearchParams(assume?.body).get("ExternalId")).toBe(externalId);
    // Athena calls are signed with the assumed role's temporary key, not the source key.
    const athenaKeys = new Set(
      fake.requests.filter((r) => r.target.startsWith("AmazonAthena")).map((r) => r.accessKeyId),
    );
    expect([...athenaKeys].every((k) => k?.startsWith("ASIAFAKE"))).toBe(true);

    const sql = fake.sqlSeen[0] ?? "";
    expect(sql).toContain("element_at(product, 'instance_type')");
    expect(sql).toContain("billing_period IN ('2026-11')");
    expect(sql).toContain("TIMESTAMP '2026-11-01 00:00:00'");
    expect(sql).toMatch(/GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12/);
  });

  it("recovers from throttling (ThrottlingException, TooManyRequestsException) with backoff", async () => {
    fake.failNext(
      "AmazonAthena.GetQueryResults",
      { status: 400, type: "ThrottlingException", message: "Rate exceeded" },
      { status: 400, type: "ThrottlingException", message: "Rate exceeded" },
    );
    fake.failNext("AmazonAthena.StartQueryExecution", {
      status: 400,
      type: "TooManyRequestsException",
      message: "Too many queries",
    });
    const summary = emptyFetchSummary("hourly");
    await collect(createAwsConnector(config()).fetchUsage(window, { summary }));
    expect(summary.rowsRead).toBe(288);
    expect(fake.requests.filter((r) => r.target === "AmazonAthena.GetQueryResults")).toHaveLength(
      8,
    );
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

  it("expired session credentials mid-fetch: ExpiredTokenException is a credentials error, not retried", async () => {
    const connector = createAwsConnector(config());
    const iterator = connector.fetchUsage(window)[Symbol.asyncIterator]();
    await iterator.next();
    fake.expireCredentials();
    const before = fake.requests.length;
    const error = await (async () => {
      for (;;) if ((await iterator.next()).done) return undefined;
    })().catch((e: unknown) => e);
    expect((error as ConnectorError).kind).toBe("credentials");
    expect((error as Error).message).toContain("ExpiredTokenException");
    expect(fake.requests.length - before).toBe(1);
  });

  it("missing permission: the exact IAM action is named, and not retried", async () => {
    fake.deny("AmazonAthena.GetQueryResults", "athena:GetQueryResults");
    try {
      const error = await collect(createAwsConnector(config()).fetchUsage(window)).catch(
        (e: unknown) => e,
      );
      expect((error as ConnectorError).kind).toBe("permission");
      expect((error as ConnectorError).permission).toBe("athena:GetQueryResults");
      expect((error as Error).message).toContain('Add "athena:GetQueryResults"');
      expect(fake.requests.filter((r) => r.target === "AmazonAthena.GetQueryResults")).toHaveLength(
        1,
      );
    } finally {
      fake.deny("AmazonAthena.GetQueryResults", "");
    }
  });

  it("validate: every check passes on a good role; discovery is optional", async () => {
    fake.setAccounts([]);
    const checks = await createAwsConnector(config()).validate();
    expect(checks.map((c) => [c.permission, c.status])).toEqual([
      ["sts:AssumeRole", "passed"],
      ["athena:StartQueryExecution", "passed"],
      ["athena:GetQueryExecution", "passed"],
      ["athena:GetQueryResults", "passed"],
      ["organizations:ListAccounts", "passed"],
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
  });
});
