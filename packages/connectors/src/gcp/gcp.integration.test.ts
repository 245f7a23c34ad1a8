import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import { BigQuery } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import { BIGQUERY_SCOPE, gcpServiceAccountKeySchema, type GcpConnectorConfig } from "./config";
import { createGcpConnector, exportTableInfoOf, gcpUsageQuery } from "./connector";
import { fetchAccessToken } from "./token";
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
  fake.setExportTable({});
});

/** What the connector asked for before: read-only scopes, which jobs.insert does not accept. */
const READONLY_SCOPES =
  "https://www.googleapis.com/auth/bigquery.readonly https://www.googleapis.com/auth/cloud-platform.read-only";

type InsertBody = {
  configuration: {
    query: {
      query: string;
      queryParameters: { name: string; parameterValue: { value: string } }[];
    };
  };
};
const insertBody = (i = 0) => JSON.parse(calls(/\/jobs$/).at(i)?.body ?? "{}") as InsertBody;
const paramOf = (body: InsertBody, name: string) =>
  body.configuration.query.queryParameters.find((p) => p.name === name)?.parameterValue.value;

/** A BigQuery client with a token of the given scopes, to send the fake queries the connector would not. */
async function rawClient(scope = BIGQUERY_SCOPE) {
  const key = gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey()));
  const { token } = await fetchAccessToken(key, scope);
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: token });
  return new BigQuery({ projectId: "acme-billing", authClient: auth, autoRetry: false, apiEndpoint: fake.url });
}

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
      "partition_end",
      "partition_start",
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

  describe("contract: OAuth scopes (jobs.insert needs bigquery or cloud-platform)", () => {
    it("the token asks for the bigquery scope, and the fake records it from the JWT's scope claim", async () => {
      fake.issuedTokens.length = 0;
      await collect(createGcpConnector(config()).fetchUsage(window));
      expect(fake.issuedTokens.map((t) => t.scopes)).toEqual([
        ["https://www.googleapis.com/auth/bigquery"],
      ]);
    });

    it("the old read-only scopes get 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT on jobs.insert: a permanent permission error", async () => {
      const error = await collect(
        createGcpConnector(config({ scope: READONLY_SCOPES })).fetchUsage(window),
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({
        kind: "permission",
        permission: "OAuth scope https://www.googleapis.com/auth/bigquery",
      });
      expect((error as Error).message).toContain("Request had insufficient authentication scopes.");
      expect((error as ConnectorError).permanent).toBe(true);
      expect(calls(/\/jobs$/)).toHaveLength(1); // not retried
      // tables.get accepts a read-only token: only the query job is refused.
      expect(calls(/\/tables\//)).toHaveLength(1);
    });

    it("validate with the old scopes fails the job check; with the new one every check passes", async () => {
      const old = await createGcpConnector(config({ scope: READONLY_SCOPES })).validate();
      expect(old[1]).toMatchObject({ status: "failed" });
      expect(old[1]?.message).toContain("insufficient authentication scopes");
      expect((await createGcpConnector(config()).validate()).map((c) => c.status)).toEqual([
        "passed",
        "passed",
        "passed",
      ]);
    });

    it("the wire error is Google's: PERMISSION_DENIED with an ErrorInfo ACCESS_TOKEN_SCOPE_INSUFFICIENT", async () => {
      const key = gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey()));
      const { token } = await fetchAccessToken(key, READONLY_SCOPES);
      const response = await fetch(`${fake.url}/bigquery/v2/projects/acme-billing/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ configuration: { query: { query: "SELECT 1" } } }),
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        error: {
          code: 403,
          message: "Request had insufficient authentication scopes.",
          status: "PERMISSION_DENIED",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
              metadata: { method: "google.cloud.bigquery.v2.JobService.InsertJob" },
            },
          ],
        },
      });
    });

    it("an assertion without a scope claim gets no token (invalid_scope)", async () => {
      const key = gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey()));
      await expect(fetchAccessToken(key, "")).rejects.toThrow(/invalid_scope/);
    });
  });

  describe("contract: the export's partition filter (_PARTITIONTIME)", () => {
    it("the usage query filters _PARTITIONTIME from one day before the window to five days after it, and keeps the usage_start_time window", async () => {
      await collect(createGcpConnector(config()).fetchUsage(window));
      const body = insertBody();
      expect(body.configuration.query.query).toContain(
        "_PARTITIONTIME >= @partition_start AND _PARTITIONTIME < @partition_end",
      );
      expect(body.configuration.query.query).toContain(
        "usage_start_time >= @start AND usage_start_time < @end",
      );
      expect(paramOf(body, "partition_start")).toMatch(/^2026-10-31[ T]00:00:00/);
      expect(paramOf(body, "partition_end")).toMatch(/^2026-11-07[ T]00:00:00/);
      expect(paramOf(body, "start")).toMatch(/^2026-11-01[ T]00:00:00/);
    });

    it("partitionLagDays widens the late-row margin", async () => {
      await collect(createGcpConnector(config({ partitionLagDays: 10 })).fetchUsage(window));
      expect(paramOf(insertBody(), "partition_end")).toMatch(/^2026-11-12[ T]00:00:00/);
    });

    it("the fake refuses a query on the export table without a _PARTITIONTIME predicate (400 invalidQuery), as BigQuery does with require_partition_filter", async () => {
      const bigquery = await rawClient();
      const unfiltered = gcpUsageQuery(config(), { hasLabels: true, hasResourceName: true });
      expect(unfiltered).not.toContain("_PARTITIONTIME");
      const error = await bigquery
        .createQueryJob({ query: unfiltered, params: { start: window.start, end: window.end } })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 400 });
      expect((error as Error).message).toBe(
        "Cannot query over table 'acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB' without a filter over column(s) '_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME' that can be used for partition elimination",
      );
      // The same query passes when the table does not require the filter (Google's default).
      fake.setExportTable({ requirePartitionFilter: false });
      await expect(
        bigquery.createQueryJob({ query: unfiltered, params: { start: window.start, end: window.end } }),
      ).resolves.toBeDefined();
    });

    it("validate and discover filter partitions too (a LIMIT does not reduce the bytes scanned)", async () => {
      await createGcpConnector(config()).validate();
      await createGcpConnector(config()).discover();
      const queries = calls(/\/jobs$/).map((r) => (JSON.parse(r.body) as InsertBody).configuration.query.query);
      expect(queries).toHaveLength(2);
      for (const query of queries) expect(query).toContain("_PARTITIONTIME >= @partition_start");
    });

    it("reads the partitioning with tables.get: a copy partitioned by a DATE column is filtered on that column", () => {
      const info = exportTableInfoOf({
        schema: {
          fields: [
            { name: "labels", type: "RECORD" },
            { name: "usage_date", type: "DATE" },
          ],
        },
        timePartitioning: { type: "DAY", field: "usage_date" },
      });
      expect(info).toEqual({
        hasLabels: true,
        hasResourceName: false,
        partition: { column: "usage_date", type: "DATE" },
      });
      expect(gcpUsageQuery(config(), info)).toContain(
        "usage_date >= DATE(@partition_start) AND usage_date < DATE(@partition_end)",
      );
      expect(gcpUsageQuery(config(), { hasLabels: true, hasResourceName: false })).not.toContain(
        "partition_start",
      );
    });

    it("without bigquery.tables.get the connector falls back to Google's table names", async () => {
      fake.deny("bigquery.tables.get");
      const summary = emptyFetchSummary("hourly");
      await collect(createGcpConnector(config()).fetchUsage(window, { summary }));
      expect(summary.rowsRead).toBe(96);
      expect(insertBody().configuration.query.query).toContain("_PARTITIONTIME >= @partition_start");
      expect(insertBody().configuration.query.query).toContain("resource.name AS resource_name");
    });
  });

  describe("labels and resource.name reach the usage records", () => {
    const labelled = (): GcpUsageRow[] =>
      usage().map((r) => ({
        ...r,
        labels: (r.projectId === "acme-data"
          ? { team: "data", env: "prod" }
          : { team: "search" }) as Record<string, string>,
        resourceName: `projects/${r.projectId}/instances/vm-1`,
      }));

    it("detailed export: labels become tags (as the file reader's), resource.name the resource id", async () => {
      fake.setUsage(labelled());
      const records = await collect(createGcpConnector(config()).fetchUsage(window));
      const query = insertBody().configuration.query.query;
      expect(query).toContain("ANY_VALUE(label_list) AS labels");
      expect(query).toContain("TO_JSON_STRING(");
      expect(query).toContain("resource.name AS resource_name");
      expect(query).toMatch(/GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, label_key, resource_name$/);
      const data = records.find((r) => r.accountId === "acme-data" && r.unit === "vcpu-hours");
      expect(data?.tags).toEqual({ env: "prod", team: "data" });
      expect(data?.resourceId).toBe("projects/acme-data/instances/vm-1");
      const search = records.find((r) => r.accountId === "acme-search-prod");
      expect(search?.tags).toEqual({ team: "search" });
    });

    it("standard export: labels are read, resource.name is not selected (the fake refuses it there)", async () => {
      fake.setUsage(labelled());
      const records = await collect(
        createGcpConnector(
          config({ billingExportTable: "acme-billing.billing_export.gcp_billing_export_v1_0123AB" }),
        ).fetchUsage(window),
      );
      const query = insertBody().configuration.query.query;
      expect(query).not.toContain("resource");
      expect(query).toContain("AS labels");
      expect(records.find((r) => r.accountId === "acme-data")?.tags).toEqual({
        env: "prod",
        team: "data",
      });
      expect(records.every((r) => r.resourceId === undefined)).toBe(true);
      const bigquery = await rawClient();
      const withResource = gcpUsageQuery(
        config({ billingExportTable: "acme-billing.billing_export.gcp_billing_export_v1_0123AB" }),
        { hasLabels: true, hasResourceName: true, partition: { column: "_PARTITIONTIME", type: "TIMESTAMP" } },
      );
      await expect(
        bigquery.createQueryJob({
          query: withResource,
          params: { start: window.start, end: window.end, partition_start: window.start, partition_end: window.end },
        }),
      ).rejects.toThrow(/Unrecognized name: resource/);
    });

    it("a line without labels has no tags", async () => {
      const records = await collect(createGcpConnector(config()).fetchUsage(window));
      expect(records.every((r) => r.tags === undefined || Object.keys(r.tags).length === 0)).toBe(true);
    });
  });
});
