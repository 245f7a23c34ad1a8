import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AzureConnectorConfig } from "../azure/config";
import { startFakeAzure, type FakeAzure } from "../azure/testing/fake-azure-server";
import { ConnectorError } from "../live/errors";
import { createAzureMonitorReader } from "./azure-monitor";
import type { MeasuredHour, MeteredResource, UtilizationSummary } from "./types";

const tenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_0123456789";
const subA = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";
const subB = "9a9a9a9a-2222-4b7e-9c1d-0a1b2c3d4e5f";
const HOUR = 3_600_000;
// Inside the 93 days Azure keeps platform metrics.
const start = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 5 * 86_400_000);
const window = { start, end: new Date(start.getTime() + 24 * HOUR) };

let fake: FakeAzure;
const sleeps: number[] = [];

type Config = Parameters<typeof createAzureMonitorReader>[0];
function config(overrides: Partial<Config> = {}): Config {
  return {
    credentials: { directoryTenantId: tenantId, clientId, clientSecret },
    subscriptionIds: [subA, subB],
    endpoints: fake.endpoints,
    httpClient: fake.httpClient,
    backoff: { retries: 3, sleep: async (ms) => void sleeps.push(ms) },
    metrics: { minCallIntervalMs: 0 },
    ...overrides,
  } as AzureConnectorConfig & Config;
}

const summary = (): UtilizationSummary => ({ apiCalls: {}, skipped: {} });
const vmId = (sub: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${name}`;
const cpu = (hours: number, percent: (h: number) => number) =>
  Array.from({ length: hours }, (_, h) => ({
    hour: new Date(start.getTime() + h * HOUR),
    percent: percent(h),
  }));

async function readAll(resources: MeteredResource[], s = summary(), cfg = config()) {
  const reader = createAzureMonitorReader(cfg);
  const out: MeasuredHour[] = [];
  for await (const batch of reader.readCpuUtilizationHourly(resources, window, s))
    out.push(...batch);
  await reader.close();
  return out;
}

beforeAll(async () => {
  fake = await startFakeAzure({ tenantId, clientId, clientSecret, pageSize: 2 });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  sleeps.length = 0;
  fake.metricsCalls.length = 0;
  fake.setVirtualMachines([
    {
      id: vmId(subA, "web-1"),
      location: "eastus",
      vmSize: "Standard_D2s_v3",
      cpu: cpu(24, (h) => 10 + h),
    },
    {
      id: vmId(subA, "web-2"),
      location: "eastus",
      vmSize: "Standard_D2s_v3",
      cpu: cpu(24, () => 3),
    },
    {
      id: vmId(subA, "batch-1"),
      location: "westeurope",
      vmSize: "Standard_F4s_v2",
      cpu: cpu(12, () => 80),
    },
    { id: vmId(subB, "db-1"), location: "East US 2", vmSize: "Standard_E4s_v5", cpu: [] },
  ]);
});

describe("the fake Azure Monitor refuses what Metrics - List refuses", () => {
  it("an unknown metric name, an unsupported grain or aggregation and a bad timespan are 400s", async () => {
    // Through the reader's own pipeline, by asking for something it never asks: the fake's checks.
    const { createAzureArmClients } = await import("../azure/connector");
    const { createPipelineRequest } = await import("@azure/core-rest-pipeline");
    const clients = createAzureArmClients(config());
    const ask = async (query: string) => {
      const response = await clients.costManagement.sendRequest(
        createPipelineRequest({
          url: `${fake.url}${vmId(subA, "web-1")}/providers/Microsoft.Insights/metrics?${query}`,
          method: "GET",
        }),
      );
      return { status: response.status, text: response.bodyAsText ?? "" };
    };
    const ts = `timespan=${window.start.toISOString()}/${window.end.toISOString()}`;
    expect(
      await ask(`metricnames=CPU%20Percentage&interval=PT1H&aggregation=Average&${ts}`),
    ).toMatchObject({
      status: 400,
      text: expect.stringContaining("Failed to find metric configuration"),
    });
    expect(
      (await ask(`metricnames=Percentage%20CPU&interval=PT2H&aggregation=Average&${ts}`)).status,
    ).toBe(400);
    expect(
      (await ask(`metricnames=Percentage%20CPU&interval=PT1H&aggregation=Median&${ts}`)).status,
    ).toBe(400);
    expect(
      (
        await ask(
          `metricnames=Percentage%20CPU&interval=PT1H&aggregation=Average&timespan=${window.end.toISOString()}/${window.start.toISOString()}`,
        )
      ).status,
    ).toBe(400);
    expect(
      (await ask(`metricnames=Percentage%20CPU&interval=PT1H&aggregation=Average&${ts}`)).status,
    ).toBe(200);
    // Without a bearer token (the bare transport, no pipeline policy) the fake answers 401, as ARM does.
    const bare = await fake.httpClient.sendRequest(
      createPipelineRequest({
        url: `${fake.url}${vmId(subA, "web-1")}/providers/Microsoft.Insights/metrics?metricnames=Percentage%20CPU&${ts}`,
        method: "GET",
      }),
    );
    expect(bare.status).toBe(401);
  });
});

describe("Azure Monitor CPU utilization reader", () => {
  it("lists the VMs of each subscription across nextLink pages, with canonical regions", async () => {
    const s = summary();
    const reader = createAzureMonitorReader(config());
    const vms = await reader.listResources(window, [subA, subB], s);
    expect(
      vms.map((v) => [
        v.resourceId.split("/").at(-1),
        v.region,
        v.instanceType,
        v.providerAccountId,
      ]),
    ).toEqual([
      ["web-1", "eastus", "Standard_D2s_v3", subA],
      ["web-2", "eastus", "Standard_D2s_v3", subA],
      ["batch-1", "westeurope", "Standard_F4s_v2", subA],
      ["db-1", "eastus2", "Standard_E4s_v5", subB],
    ]);
    // Page size 2: subscription A takes two pages, B one.
    expect(s.apiCalls["Microsoft.Compute/virtualMachines/read"]).toBe(3);
  });

  it("reads hourly averages (PT1H, Average) as fractions, hour starts inside the window", async () => {
    const reader = createAzureMonitorReader(config());
    const vms = await reader.listResources(window, [subA, subB], summary());
    const s = summary();
    const hours = await readAll(vms, s);
    expect(hours).toHaveLength(24 + 24 + 12);
    const web1 = hours.filter((h) => h.resourceId.endsWith("/web-1"));
    expect(web1[5]).toMatchObject({ cpuUtilization: 0.15, region: "eastus" });
    expect(web1[5]!.hour.getTime()).toBe(start.getTime() + 5 * HOUR);
    expect(s.apiCalls["Microsoft.Insights/metrics/read"]).toBe(4);
    expect(s.skipped).toEqual({ "no datapoints in the window": 1 });
  });

  it("waits out a 429's Retry-After, and gives up as a retryable throttled error", async () => {
    const reader = createAzureMonitorReader(config());
    const vms = (await reader.listResources(window, [subA], summary())).slice(0, 1);
    fake.throttleNextMetrics("7", "2");
    expect(await readAll(vms)).toHaveLength(24);
    expect(sleeps).toEqual([7000, 2000]);
    fake.throttleNextMetrics("1", "1", "1", "1");
    const error = await readAll(vms).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: "throttled", permanent: false });
  });

  it("a subscription without the role is skipped; when none is readable it is a permission error naming the role", async () => {
    fake.denyVirtualMachines(subB);
    const reader = createAzureMonitorReader(config());
    const s = summary();
    const listed = await reader.listResources(window, [subA, subB], s);
    expect(listed.map((v) => v.providerAccountId)).toEqual([subA, subA, subA]);
    expect(s.skipped[`subscription ${subB}: permission`]).toBe(1);
    const error = await reader.listResources(window, [subB], summary()).catch((e: unknown) => e);
    const check = await reader.checkAccess([subB]);
    fake.denyVirtualMachines(undefined);
    expect(error).toMatchObject({
      kind: "permission",
      permission: "Microsoft.Compute/virtualMachines/read",
    });
    expect((error as ConnectorError).fix).toMatch(/Monitoring Reader role/);
    expect(check).toMatchObject({ status: "failed", required: false });
    expect(await reader.checkAccess([subA])).toMatchObject({ status: "passed", required: false });
  });

  it("a wrong secret is a credentials error after one sign-in attempt", async () => {
    const before = fake.requests.filter((r) => r.path.endsWith("/token")).length;
    const reader = createAzureMonitorReader(
      config({ credentials: { directoryTenantId: tenantId, clientId, clientSecret: "wrong" } }),
    );
    const error = await reader.listResources(window, [subA], summary()).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "credentials" });
    expect(fake.requests.filter((r) => r.path.endsWith("/token")).length - before).toBe(1);
  });

  it("paces requests minCallIntervalMs apart", async () => {
    const reader = createAzureMonitorReader(config());
    const vms = await reader.listResources(window, [subA], summary());
    sleeps.length = 0;
    await readAll(vms, summary(), config({ metrics: { minCallIntervalMs: 50 } }));
    // The first request goes at once; the others wait up to the interval.
    expect(sleeps.length).toBe(vms.length - 1);
    expect(sleeps.every((ms) => ms > 0 && ms <= 50)).toBe(true);
  });
});
