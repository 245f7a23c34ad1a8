import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import { gcpServiceAccountKeySchema, type GcpConnectorConfig } from "./config";
import { createGcpConnector } from "./connector";
import { startFakeGcp, type FakeGcp, type GcpUsageRow } from "./testing/fake-gcp-server";

let fake: FakeGcp;
const window: UsageWindow = {
  start: new Date("2026-11-01T00:00:00Z"),
  end: new Date("2026-11-02T00:00:00Z"),
};

function config(overrides: Partial<GcpConnectorConfig> = {}): GcpConnectorConfig {
  return {
    key: gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey())),
    billingExportTable: "acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB",
    bigQueryEndpoint: fake.url,
    backoff: { baseDelayMs: 5, retries: 3 },
    ...overrides,
  };
}

async function collect<T>(iterable: AsyncIterable<T>) {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function usage(): GcpUsageRow[] {
  const rows: GcpUsageRow[] = [];
  for (let h = 0; h < 24; h++) {
    const hour = new Date(window.start.getTime() + h * 3_600_000).toISOString();
    for (const projectId of ["acme-search-prod", "acme-data"]) {
      rows.push({
        hour,
        projectId,
        service: "Compute Engine",
        sku: "N1 Predefined Instance Core running in Americas",
        region: "us-central1",
        machineSpec: "n1-standard-4",
        cores: "4",
        memoryMb: "15360",
        unit: "seconds",
        amount: 4 * 3600,
        cost: 0.126,
      });
      rows.push({
        hour,
        projectId,
        service: "Cloud Storage",
        sku: "Standard Storage Europe Multi-region",
        region: "europe-west1",
        unit: "byte-seconds",
        amount: 3.865e14,
        cost: 0.004,
      });
    }
  }
  return rows;
}

const calls = (suffix: RegExp) => fake.requests.filter((r) => suffix.test(r.path));

beforeAll(async () => {
  fake = await startFakeGcp({ pageSize: 10 });
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.setUsage(usage());
  fake.deny(undefined);
  fake.rateLimitNext(0);
});

describe("GCP connector against a fake OAuth + BigQuery (real @google-cloud/bigquery)", () => {
  it("exchanges a signed JWT at the key's token_uri, runs the aggregation as a job and pages the results", async () => {
    const summary = emptyFetchSummary("daily");
    const records = await collect(createGcpConnector(config()).fetchUsage(window, { summary }));
    expect(summary.rowsRead).toBe(96);
    expect(summary.resolution).toBe("hourly");
    expect(calls(/\/queries\//)).toHaveLength(10); // 96 rows, 10 per page
    expect(new Set(records.map((r) => r.accountId))).toEqual(
      new Set(["acme-search-prod", "acme-data"]),
    );
    expect(records.every((r) => r.periodHours === 1)).toBe(true);
    const vcpuHours = records
      .filter((r) => r.unit === "vcpu-hours")
      .reduce((s, r) => s + r.quantity, 0);
    expect(vcpuHours).toBeCloseTo(24 * 2 * 4);
    const insert = JSON.parse(calls(/\/jobs$/)[0]?.body ?? "{}") as {
      configuration: { query: { query: string; queryParameters: { name: string }[] } };
    };
    expect(insert.configuration.query.query).toContain("compute.googleapis.com/machine_spec");
    expect(insert.configuration.query.query).toContain("GROUP BY 1, 2, 3");
    expect(insert.configuration.query.queryParameters.map((p) => p.name).sort()).toEqual([
      "end",
      "start",
    ]);
    expect(calls(/\/jobs$/)[0]?.authorization).toMatch(/^Bearer ya29\.fake-/);
  });

  it("reads every cost type and each line's credits, so the synced cost ties out to the export", async () => {
    const rows = usage();
    const hour = rows[0]!.hour;
    fake.setUsage([
      ...rows.map((r, i) => (i === 0 ? { ...r, credits: -0.25 } : r)),
      { hour, projectId: "acme-data", service: "Compute Engine", sku: "Tax", region: "", unit: "", amount: 0, cost: 1.5, costType: "tax" },
    ]);
    const summary = emptyFetchSummary("hourly");
    const records = await collect(createGcpConnector(config()).fetchUsage(window, { summary }));
    const exportTotal = rows.reduce((s, r) => s + r.cost, 0) - 0.25 + 1.5;
    expect(records.reduce((s, r) => s + (r.costAmount ?? 0), 0)).toBeCloseTo(exportTotal, 9);
    expect(records.filter((r) => r.kind === "other").map((r) => [r.usageType, r.costAmount])).toEqual(
      expect.arrayContaining([
        ["credit", -0.25],
        ["tax", 1.5],
      ]),
    );
    expect(summary.costOnly?.tax).toMatchObject({ lines: 1, cost: 1.5 });
    const insert = JSON.parse(calls(/\/jobs$/)[0]?.body ?? "{}") as { configuration: { query: { query: string } } };
    expect(insert.configuration.query.query).not.toMatch(/cost_type = 'regular'/);
    expect(insert.configuration.query.query).toContain("UNNEST(credits)");
  });

  it("recovers from 429 rateLimitExceeded with backoff", async () => {
    fake.rateLimitNext(2);
    const summary = emptyFetchSummary("hourly");
    await collect(createGcpConnector(config()).fetchUsage(window, { summary }));
    expect(summary.rowsRead).toBe(96);
  });

  it("gives up on endless rate limiting as a retryable 'throttled' error", async () => {
    fake.rateLimitNext(10);
    const error = await collect(createGcpConnector(config()).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: "throttled" });
    expect((error as ConnectorError).permanent).toBe(false);
  });

  it("an unknown or deleted key: a clear credentials error, one token call, no BigQuery calls", async () => {
    const key = gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey(false)));
    const error = await collect(createGcpConnector(config({ key })).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: "credentials" });
    expect((error as Error).message).toContain("invalid_grant");
    expect((error as Error).message).not.toContain("PRIVATE KEY");
    expect(fake.requests).toHaveLength(1);
  });

  it("missing permission: the exact BigQuery permission is named, not retried", async () => {
    fake.deny("bigquery.jobs.create");
    const error = await collect(createGcpConnector(config()).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: "permission", permission: "bigquery.jobs.create" });
    expect((error as ConnectorError).fix).toContain("BigQuery Job User");
    expect(calls(/\/jobs$/)).toHaveLength(1);
  });

  it("validate: key, job and table checks; a table the account cannot read names bigquery.tables.getData", async () => {
    expect((await createGcpConnector(config()).validate()).map((c) => c.status)).toEqual([
      "passed",
      "passed",
      "passed",
    ]);
    fake.deny("bigquery.tables.getData");
    const checks = await createGcpConnector(config()).validate();
    expect(checks[1]).toMatchObject({ permission: "bigquery.tables.getData", status: "failed" });
  });

  it("fetchReportedCarbon: the Carbon Footprint export's scopes for the month, in kg", async () => {
    fake.setCarbon([
      {
        projectId: "acme-search-prod",
        service: "Compute Engine",
        region: "us-central1",
        modelVersion: "15",
        scope1: 0.41,
        scope2Location: 88.2,
        scope2Market: 31.7,
        scope3: 22.9,
      },
    ]);
    const figures = await createGcpConnector(
      config({ carbonExportTable: "acme-billing.carbon.carbon_footprint" }),
    ).fetchReportedCarbon("2026-04");
    expect(figures.map((f) => [f.scope, f.co2eKg])).toEqual([
      ["scope1", 0.41],
      ["scope2-location", 88.2],
      ["scope2-market", 31.7],
      ["scope3", 22.9],
    ]);
    expect(figures[0]).toMatchObject({
      provider: "gcp",
      providerAccountId: "acme-search-prod",
      month: "2026-04-01",
      modelVersion: "15",
    });
    const insert = JSON.parse(calls(/\/jobs$/).at(-1)?.body ?? "{}") as {
      configuration: { query: { queryParameters: { parameterType: { type: string } }[] } };
    };
    expect(insert.configuration.query.queryParameters[0]?.parameterType.type).toBe("DATE");
  });

  it("discover: projects seen in the export", async () => {
    const projects = await createGcpConnector(config()).discover();
    expect(projects.map((p) => p.id)).toEqual(["acme-data", "acme-search-prod"]);
  });
});
