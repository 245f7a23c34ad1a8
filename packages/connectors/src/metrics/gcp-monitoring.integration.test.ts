import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gcpServiceAccountKeySchema } from "../gcp/config";
import { startFakeGcp, type FakeGcp } from "../gcp/testing/fake-gcp-server";
import { ConnectorError } from "../live/errors";
import {
  createGcpMonitoringReader,
  MONITORING_READ_SCOPE,
  type GcpMonitoringConfig,
} from "./gcp-monitoring";
import type { MeasuredHour, UtilizationSummary } from "./types";

const HOUR = 3_600_000;
const start = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000);
const window = { start, end: new Date(start.getTime() + 6 * HOUR) };

let fake: FakeGcp;
const sleeps: number[] = [];

function config(overrides: Partial<GcpMonitoringConfig> = {}): GcpMonitoringConfig {
  return {
    key: gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey())),
    monitoringEndpoint: fake.url,
    backoff: { retries: 3, sleep: async (ms) => void sleeps.push(ms) },
    minCallIntervalMs: 0,
    ...overrides,
  };
}
const summary = (): UtilizationSummary => ({ apiCalls: {}, skipped: {} });

/** One sample a minute; instance `i`'s value in hour h is (i + h) / 100 (so the hourly mean is exact). */
const samples = (i: number, hours: number) =>
  Array.from({ length: hours * 60 }, (_, m) => ({
    at: new Date(start.getTime() + (m + 1) * 60_000),
    value: (i + Math.floor(m / 60)) / 100,
  }));

beforeAll(async () => {
  fake = await startFakeGcp();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  sleeps.length = 0;
  fake.setTimeSeriesPageSize(100_000);
  fake.setInstances([
    {
      projectId: "shop-prod",
      instanceId: "1001",
      zone: "us-central1-a",
      machineType: "n2-standard-4",
      samples: samples(10, 6),
    },
    {
      projectId: "shop-prod",
      instanceId: "1002",
      zone: "us-central1-b",
      machineType: "e2-medium",
      samples: samples(2, 6),
    },
    {
      projectId: "shop-prod",
      instanceId: "1003",
      zone: "europe-west1-c",
      machineType: "n2-standard-4",
      samples: samples(40, 6),
    },
    { projectId: "shop-dev", instanceId: "2001", zone: "us-east1-b", samples: samples(1, 6) },
  ]);
});

async function readAll(cfg = config(), s = summary(), projects = ["shop-prod", "shop-dev"]) {
  const reader = createGcpMonitoringReader(cfg);
  const resources = await reader.listResources(window, projects, s);
  const out: MeasuredHour[] = [];
  for await (const batch of reader.readCpuUtilizationHourly(resources, window, s))
    out.push(...batch);
  return { resources, hours: out };
}

describe("Cloud Monitoring CPU utilization reader", () => {
  it("lists instances from the series headers and reads ALIGN_MEAN hourly points, across pages", async () => {
    fake.setTimeSeriesPageSize(2);
    const s = summary();
    const { resources, hours } = await readAll(config(), s);
    expect(resources.map((r) => [r.resourceId, r.region, r.instanceType])).toEqual([
      ["1001", "us-central1", "n2-standard-4"],
      ["1002", "us-central1", "e2-medium"],
      ["1003", "europe-west1", "n2-standard-4"],
      ["2001", "us-east1", ""],
    ]);
    expect(s.skipped["instance without a machine_type system label (not matched to usage)"]).toBe(
      1,
    );
    expect(hours).toHaveLength(4 * 6);
    const h3 = hours.find(
      (h) => h.resourceId === "1003" && h.hour.getTime() === start.getTime() + 3 * HOUR,
    );
    expect(h3?.cpuUtilization).toBeCloseTo(0.43, 9);
    expect(hours.every((h) => h.hour >= window.start && h.hour < window.end)).toBe(true);
    // shop-prod: 2 pages of headers + 2 of points; shop-dev: 1 + 1.
    expect(s.apiCalls["monitoring.timeSeries.list"]).toBe(6);
    // Only the monitoring.read scope is asked for.
    expect(fake.issuedTokens.at(-1)?.scopes).toEqual([MONITORING_READ_SCOPE]);
    const asked = fake.requests.filter((r) => r.path.endsWith("/timeSeries"));
    expect(asked.length).toBe(6);
  });

  it("the fake refuses an aligner without a period of at least 60 s and an unknown metric", async () => {
    await readAll();
    const { token } = fake.issuedTokens.at(-1)!;
    const ask = (query: string) =>
      fetch(`${fake.url}/v3/projects/shop-prod/timeSeries?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const base = `interval.startTime=${window.start.toISOString()}&interval.endTime=${window.end.toISOString()}`;
    const cpu = `filter=${encodeURIComponent('metric.type = "compute.googleapis.com/instance/cpu/utilization"')}`;
    expect((await ask(`${cpu}&${base}&aggregation.perSeriesAligner=ALIGN_MEAN`)).status).toBe(400);
    expect(
      (
        await ask(
          `${cpu}&${base}&aggregation.perSeriesAligner=ALIGN_MEAN&aggregation.alignmentPeriod=30s`,
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await ask(
          `${cpu}&${base}&aggregation.perSeriesAligner=ALIGN_AVERAGE&aggregation.alignmentPeriod=3600s`,
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await ask(
          `${cpu}&interval.startTime=${window.end.toISOString()}&interval.endTime=${window.start.toISOString()}`,
        )
      ).status,
    ).toBe(400);
    const unknown = await ask(
      `filter=${encodeURIComponent('metric.type = "compute.googleapis.com/instance/cpu/utilisation"')}&${base}`,
    );
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/Cannot find metric/);
    expect(
      (
        await ask(
          `${cpu}&${base}&aggregation.perSeriesAligner=ALIGN_MEAN&aggregation.alignmentPeriod=3600s`,
        )
      ).status,
    ).toBe(200);
  });

  it("retries 429 RESOURCE_EXHAUSTED with backoff, and gives up as a retryable error", async () => {
    fake.rateLimitNext(2);
    const { hours } = await readAll(config(), summary(), ["shop-dev"]);
    expect(hours).toHaveLength(6);
    expect(sleeps.length).toBe(2);
    fake.rateLimitNext(4);
    const error = await readAll(config(), summary(), ["shop-dev"]).catch((e: unknown) => e);
    fake.rateLimitNext(0);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: "throttled", permanent: false });
  });

  it("a project without Monitoring Viewer is skipped; when none is readable it is a permission error", async () => {
    fake.denyMonitoring("shop-dev");
    const s = summary();
    const partial = await readAll(config(), s);
    expect(partial.resources.map((r) => r.providerAccountId)).toEqual([
      "shop-prod",
      "shop-prod",
      "shop-prod",
    ]);
    expect(s.skipped["project shop-dev: permission"]).toBe(1);
    const error = await readAll(config(), summary(), ["shop-dev"]).catch((e: unknown) => e);
    fake.denyMonitoring(undefined);
    expect(error).toMatchObject({ kind: "permission", permission: "monitoring.timeSeries.list" });
    expect((error as ConnectorError).fix).toMatch(/Monitoring Viewer/);
  });

  it("Test connection: one HEADERS request proves the permission, a denial is an optional failed check", async () => {
    const reader = createGcpMonitoringReader(config());
    expect(await reader.checkAccess(["shop-prod"])).toMatchObject({
      permission: "monitoring.timeSeries.list",
      status: "passed",
      required: false,
    });
    fake.denyMonitoring("shop-prod");
    const denied = await reader.checkAccess(["shop-prod"]);
    fake.denyMonitoring(undefined);
    expect(denied).toMatchObject({
      status: "failed",
      required: false,
      permission: "monitoring.timeSeries.list",
    });
    expect(denied.fix).toMatch(/roles\/monitoring.viewer/);
  });

  it("a key Google does not know is a credentials error", async () => {
    const error = await readAll(
      config({ key: gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey(false))) }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "credentials" });
  });
});
