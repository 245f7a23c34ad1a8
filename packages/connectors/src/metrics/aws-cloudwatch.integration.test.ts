import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AwsConnectorConfig } from "../aws/config";
import { startFakeAws, type FakeAws } from "../aws/testing/fake-aws-server";
import { ConnectorError } from "../live/errors";
import { billedInstancesQuery, createCloudWatchReader } from "./aws-cloudwatch";
import type { MeasuredHour, MeteredResource, UtilizationSummary } from "./types";

const roleArn = "arn:aws:iam::123456789012:role/CanopyReadOnly";
const externalId = "canopy-ext-metrics";
const source = { accessKeyId: "AKIACANOPYSOURCE", secretAccessKey: "source-secret-value" };
const HOUR = 3_600_000;
// Recent enough for CloudWatch's 455-day retention of hourly datapoints.
const start = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 10 * 86_400_000);
const window = { start, end: new Date(start.getTime() + 48 * HOUR) };

let fake: FakeAws;

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
    // Every endpoint, S3 and CloudWatch included, so no SDK call leaves for a real AWS host.
    endpoints: fake.endpoints,
    backoff: { baseDelayMs: 5, retries: 4 },
    pollIntervalMs: 5,
    metrics: { minCallIntervalMs: 0 },
    ...overrides,
  };
}

const summary = (): UtilizationSummary => ({ apiCalls: {}, skipped: {} });

async function readAll(
  cfg: AwsConnectorConfig,
  resources: MeteredResource[],
  s = summary(),
): Promise<MeasuredHour[]> {
  const reader = await createCloudWatchReader(cfg);
  try {
    const out: MeasuredHour[] = [];
    for await (const batch of reader.readCpuUtilizationHourly(resources, window, s))
      out.push(...batch);
    return out;
  } finally {
    await reader.close();
  }
}

const instance = (i: number, region = "us-east-1"): MeteredResource => ({
  providerAccountId: "123456789012",
  resourceId: `i-${String(i).padStart(17, "0")}`,
  region,
  instanceType: "m5.large",
});

/** Hourly CPU (percent) of instance i at hour h: a recognisable value per instance and hour. */
const percentOf = (i: number, h: number) => ((i * 7 + h * 3) % 100) + 0.5;

function feed(instances: MeteredResource[], hours = 48) {
  instances.forEach((r, i) =>
    fake.setCpuUtilization(
      r.resourceId,
      Array.from({ length: hours }, (_, h) => ({
        hour: new Date(start.getTime() + h * HOUR),
        percent: percentOf(i, h),
      })),
    ),
  );
}

beforeAll(async () => {
  fake = await startFakeAws({ roleArn, externalId, sourceAccessKeyId: source.accessKeyId });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.setCloudWatchLimits({ datapointsPerPage: 100_800, callsPerSecond: 50 });
  fake.metricDataCalls.length = 0;
});

describe("the fake CloudWatch refuses what GetMetricData refuses", () => {
  const client = () =>
    new CloudWatchClient({
      region: "us-east-1",
      endpoint: fake.endpoints.cloudwatch,
      credentials: { accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" },
      maxAttempts: 1,
    });
  it("refuses keys it never issued", async () => {
    await expect(
      client().send(
        new GetMetricDataCommand({
          MetricDataQueries: [{ Id: "m0", Expression: "SEARCH('x', 'Average', 3600)" }],
          StartTime: window.start,
          EndTime: window.end,
        }),
      ),
    ).rejects.toMatchObject({ name: "UnrecognizedClientException" });
  });

  it("refuses 501 queries, ids that do not start with a lower-case letter, and bad periods", async () => {
    // Through the SDK with credentials the fake issued (an assumed-role session).
    const cfg = config();
    const { openAwsClients } = await import("../aws/clients");
    const clients = await openAwsClients(cfg);
    const cw = new CloudWatchClient({
      region: "us-east-1",
      endpoint: fake.endpoints.cloudwatch,
      credentials: clients.credentials,
      maxAttempts: 1,
    });
    const stat = (id: string, period = 3600) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: "AWS/EC2",
          MetricName: "CPUUtilization",
          Dimensions: [{ Name: "InstanceId", Value: "i-1" }],
        },
        Period: period,
        Stat: "Average",
      },
    });
    const send = (queries: ReturnType<typeof stat>[], s = window.start, e = window.end) =>
      cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: s, EndTime: e }));
    await expect(send(Array.from({ length: 501 }, (_, i) => stat(`m${i}`)))).rejects.toThrow(
      /length less than or equal to 500/,
    );
    await expect(send([stat("M0")])).rejects.toThrow(/start with a lowercase letter/);
    await expect(send([stat("m0"), stat("m0")])).rejects.toThrow(/not unique/);
    await expect(send([stat("m0", 90)])).rejects.toThrow(/any multiple of 60/);
    await expect(send([stat("m0")], window.end, window.start)).rejects.toThrow(
      /StartTime must be less than/,
    );
    // An unknown metric is not an error at CloudWatch: it has no datapoints.
    const unknown = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            ...stat("m0"),
            MetricStat: {
              ...stat("m0").MetricStat,
              Metric: { Namespace: "AWS/EC2", MetricName: "CPUUtilisation" },
            },
          },
        ],
        StartTime: window.start,
        EndTime: window.end,
      }),
    );
    expect(unknown.MetricDataResults?.[0]?.Values).toEqual([]);
    cw.destroy();
    const { destroyAwsClients } = await import("../aws/clients");
    destroyAwsClients(clients);
  });
});

describe("CloudWatch CPU utilization reader", () => {
  it("reads hourly averages as fractions, 500 instances per call, one client per region", async () => {
    const east = Array.from({ length: 1001 }, (_, i) => instance(i));
    const west = [instance(5000, "eu-west-1")];
    feed([...east, ...west], 48);
    const s = summary();
    const hours = await readAll(config(), [...east, ...west], s);
    expect(hours).toHaveLength(1002 * 48);
    // 1,001 instances in us-east-1 → 3 calls of ≤ 500, plus 1 in eu-west-1.
    expect(fake.metricDataCalls.map((c) => [c.region, c.queries])).toEqual([
      ["us-east-1", 500],
      ["us-east-1", 500],
      ["us-east-1", 1],
      ["eu-west-1", 1],
    ]);
    expect(s.apiCalls["cloudwatch:GetMetricData"]).toBe(4);
    const one = hours.find(
      (h) =>
        h.resourceId === east[3]!.resourceId && h.hour.getTime() === start.getTime() + 5 * HOUR,
    );
    expect(one?.cpuUtilization).toBeCloseTo(percentOf(3, 5) / 100, 6);
    expect(one?.instanceType).toBe("m5.large");
    expect(hours.every((h) => h.hour >= window.start && h.hour < window.end)).toBe(true);
  });

  it("follows NextToken pages until the last datapoint", async () => {
    const list = Array.from({ length: 30 }, (_, i) => instance(100 + i));
    feed(list, 48);
    fake.setCloudWatchLimits({ datapointsPerPage: 100 });
    const hours = await readAll(config(), list);
    expect(hours).toHaveLength(30 * 48);
    expect(fake.metricDataCalls).toHaveLength(Math.ceil((30 * 48) / 100));
    expect(new Set(hours.map((h) => `${h.resourceId}@${h.hour.getTime()}`)).size).toBe(30 * 48);
  });

  it("paces calls under the TPS quota instead of being throttled", async () => {
    const list = Array.from({ length: 8 }, (_, i) => instance(200 + i));
    feed(list, 2);
    fake.setCloudWatchLimits({ callsPerSecond: 4 });
    const throttledBefore = fake.requests.length;
    const hours = await readAll(
      config({ metrics: { minCallIntervalMs: 260, queriesPerCall: 1 } }),
      list,
    );
    expect(hours).toHaveLength(16);
    const answered = fake.metricDataCalls.map((c) => c.at);
    expect(answered).toHaveLength(8);
    for (let i = 4; i < answered.length; i++)
      expect(answered[i]! - answered[i - 4]!).toBeGreaterThanOrEqual(1000);
    const refused =
      fake.requests.slice(throttledBefore).filter((r) => r.target === "CloudWatch.GetMetricData")
        .length - 8;
    expect(refused).toBe(0);
  });

  it("retries Throttling with backoff, and gives up as a retryable error", async () => {
    const list = [instance(300)];
    feed(list, 4);
    fake.failNext(
      "CloudWatch.GetMetricData",
      { status: 400, type: "Throttling", message: "Rate exceeded" },
      { status: 400, type: "Throttling", message: "Rate exceeded" },
    );
    expect(await readAll(config(), list)).toHaveLength(4);
    fake.failNext(
      "CloudWatch.GetMetricData",
      // The first try and its 4 retries (config backoff.retries).
      ...Array.from({ length: 5 }, () => ({
        status: 400,
        type: "Throttling",
        message: "Rate exceeded",
      })),
    );
    const error = await readAll(config(), list).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("throttled");
    expect((error as ConnectorError).permanent).toBe(false);
  });

  it("a role without cloudwatch:GetMetricData is a permission error naming it, after one call", async () => {
    const list = [instance(301)];
    fake.deny("CloudWatch.GetMetricData", "cloudwatch:GetMetricData");
    const before = fake.requests.filter((r) => r.target === "CloudWatch.GetMetricData").length;
    const error = await readAll(config(), list).catch((e: unknown) => e);
    fake.deny("CloudWatch.GetMetricData", "");
    expect(error).toMatchObject({ kind: "permission", permission: "cloudwatch:GetMetricData" });
    expect(
      fake.requests.filter((r) => r.target === "CloudWatch.GetMetricData").length - before,
    ).toBe(1);
  });

  it("Test connection: one GetMetricData call proves the permission; a denial is an optional failed check", async () => {
    const reader = await createCloudWatchReader(config());
    expect(await reader.checkAccess([])).toMatchObject({
      permission: "cloudwatch:GetMetricData",
      status: "passed",
      required: false,
    });
    fake.deny("CloudWatch.GetMetricData", "cloudwatch:GetMetricData");
    const denied = await reader.checkAccess([]);
    fake.deny("CloudWatch.GetMetricData", "");
    await reader.close();
    expect(denied).toMatchObject({
      status: "failed",
      required: false,
      permission: "cloudwatch:GetMetricData",
    });
    expect(denied.fix).toContain("cloudwatch:GetMetricData");
  });

  it("wrong source credentials fail at sign-in as a credentials error", async () => {
    const error = await createCloudWatchReader(
      config({ sourceIdentity: { accessKeyId: "AKIAWRONG", secretAccessKey: "nope" } }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "credentials" });
  });

  it("lists the instances the CUR bills through Athena, only the role's own account", async () => {
    const sqlBefore = fake.sqlSeen.length;
    fake.setAthenaResult(
      [
        "line_item_usage_account_id",
        "product_region_code",
        "line_item_resource_id",
        "product_instance_type",
      ],
      () => [
        ["123456789012", "us-east-1", "i-0aaa", "m5.large"],
        ["123456789012", "eu-west-1", "i-0bbb", "c6g.xlarge"],
        ["999999999999", "us-east-1", "i-0ccc", "m5.large"],
      ],
    );
    const reader = await createCloudWatchReader(config());
    const s = summary();
    const listed = await reader.listResources(window, ["123456789012", "999999999999"], s);
    await reader.close();
    expect(listed).toEqual([
      {
        providerAccountId: "123456789012",
        region: "us-east-1",
        resourceId: "i-0aaa",
        instanceType: "m5.large",
      },
      {
        providerAccountId: "123456789012",
        region: "eu-west-1",
        resourceId: "i-0bbb",
        instanceType: "c6g.xlarge",
      },
    ]);
    expect(Object.values(s.skipped)).toEqual([1]);
    const sql = fake.sqlSeen.slice(sqlBefore)[0]!;
    expect(sql).toBe(billedInstancesQuery(config().scope as never, window));
    // The fake refuses columns outside the CUR 2.0 schema, so the query passing proves its names.
    expect(sql).toContain("product_instance_type");
    expect(s.apiCalls["athena:StartQueryExecution"]).toBe(1);
    expect(s.apiCalls["s3:GetObject"]).toBe(1);
  });

  it("a Cost Explorer connection has no instance ids: a query error that says so", async () => {
    const error = await createCloudWatchReader(
      config({ scope: { source: "cost-explorer" } }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "query" });
    expect((error as Error).message).toMatch(/CUR 2.0 table in Athena/);
  });
});
