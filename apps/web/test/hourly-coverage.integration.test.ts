import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeGridIntensity } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import { hourlyCoverageLabels, regionFactors } from "@canopy/methodology";
import { generateReport, getReport, parsePeriod, renderReport } from "@canopy/reports";
import { parseCsv } from "@canopy/reports/testing";
import ExcelJS from "exceljs";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as summary from "@/app/api/v1/emissions/summary/route";
import * as breakdown from "@/app/api/v1/emissions/breakdown/route";
import * as series from "@/app/api/v1/emissions/route";
import * as imports from "@/app/api/v1/imports/route";
import * as importOne from "@/app/api/v1/imports/[id]/route";

/**
 * The share of kWh on hourly grid factors (and disaggregated) is one figure everywhere: the dashboard
 * API (summary, breakdown, hourly series), the report content and its CSV and XLSX agree with each
 * other and with the stored columns summed directly. The stored coverage is set here (AWS all on
 * hourly factors, GCP the hours before noon, Azure daily usage disaggregated), rollups from the
 * hourly rows, because this test checks the readers; the estimation jobs' own tests check the writers.
 */

let db: TestDatabase;
let owner: TestUser;
let tenantId: string;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@hourly-coverage.test");
  tenantId = await createOrganization(owner, "Hourly coverage");
  await seedEmissions(db.owner.pool, {
    tenantId,
    accounts: 3,
    services: 2,
    combos: 6,
    start: new Date("2025-01-01T00:00:00Z"),
    hours: 24 * (31 + 28),
  });
  await db.owner.pool.query(
    `UPDATE emissions_hourly SET
       kwh_hourly_grid = CASE provider WHEN 'aws' THEN kwh_facility
         WHEN 'gcp' THEN CASE WHEN extract(hour FROM hour AT TIME ZONE 'UTC') < 12 THEN kwh_facility ELSE 0 END
         ELSE 0 END,
       kwh_disaggregated = CASE WHEN provider = 'azure' THEN kwh_facility ELSE 0 END
     WHERE tenant_id = $1`,
    [tenantId],
  );
  for (const [table, period] of [
    ["emissions_daily", "day"],
    ["emissions_monthly", "month"],
  ] as const) {
    const bucket =
      period === "day"
        ? "(hour AT TIME ZONE 'UTC')::date"
        : "date_trunc('month', hour AT TIME ZONE 'UTC')::date";
    await db.owner.pool.query(
      `UPDATE ${table} r SET kwh_hourly_grid = s.g, kwh_disaggregated = s.d
       FROM (SELECT ${bucket} AS p, cloud_account_id, service, region, kind,
                    sum(kwh_hourly_grid) AS g, sum(kwh_disaggregated) AS d
             FROM emissions_hourly WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5) s
       WHERE r.tenant_id = $1 AND r.${period} = s.p AND r.cloud_account_id = s.cloud_account_id
         AND r.service = s.service AND r.region = s.region AND r.kind = s.kind`,
      [tenantId],
    );
  }
}, 120_000);

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

// The report rounds to 6 decimals.
const same = (a: number | null | undefined, b: number | null | undefined) => {
  expect(a).not.toBeNull();
  expect(b).not.toBeNull();
  expect(Math.abs(a! - b!)).toBeLessThanOrEqual(2e-6);
};

/** The shares straight from the stored hourly rows. */
async function storedShares(from: string, to: string, where = "true") {
  const { rows } = await db.owner.pool.query<{ grid: number; disaggregated: number }>(
    `SELECT sum(kwh_hourly_grid) / sum(kwh_facility) AS grid,
            sum(kwh_disaggregated) / sum(kwh_facility) AS disaggregated
     FROM emissions_hourly WHERE tenant_id = $1 AND hour >= $2::timestamptz AND hour < $3::timestamptz AND ${where}`,
    [tenantId, from, to],
  );
  return rows[0]!;
}

type Coverage = {
  month: string;
  provider: string;
  region: string;
  shareHourlyGrid: number | null;
  shareDisaggregated: number | null;
  kwhFacility: number;
};

describe("hourly coverage: dashboard API and report agree", () => {
  it("January: the same share in the summary, the report content, its CSV and XLSX", async () => {
    const stored = await storedShares("2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z");
    expect(stored.grid).toBeGreaterThan(0.1);
    expect(stored.grid).toBeLessThan(0.9);
    expect(stored.disaggregated).toBeGreaterThan(0.1);

    const api = await call(summary.GET, {
      path: "/api/v1/emissions/summary?from=2025-01-01&to=2025-01-31",
      credential: owner,
    });
    expect(api.status).toBe(200);
    const body = api.body as {
      hourlyGridShare: number | null;
      disaggregatedShare: number | null;
      totals: { shareHourlyGrid: number | null };
      hourlyCoverage: Coverage[];
    };
    same(body.hourlyGridShare, stored.grid);
    same(body.totals.shareHourlyGrid, stored.grid);
    same(body.disaggregatedShare, stored.disaggregated);

    const actor = { userId: owner.userId, role: "owner" as const };
    const generated = await generateReport(
      db.app,
      tenantId,
      { period: parsePeriod("2025-01") },
      actor,
    );
    const model = (await getReport(db.app, tenantId, generated.report.id, actor)).model;
    const hourly = model.content.dataQuality.hourlyCoverage!;
    same(hourly.shareHourlyGrid, body.hourlyGridShare);
    same(hourly.shareDisaggregated, body.disaggregatedShare);
    same(model.content.headlines!.shareHourlyGrid, body.hourlyGridShare);

    // Per provider, region and month: the same groups and shares.
    const key = (r: Coverage) => `${r.month.slice(0, 7)}|${r.provider}|${r.region}`;
    const apiRows = new Map(body.hourlyCoverage.map((r) => [key(r), r]));
    expect(hourly.rows.map(key).sort()).toEqual([...apiRows.keys()].sort());
    for (const r of hourly.rows) {
      same(r.shareHourlyGrid, apiRows.get(key(r))!.shareHourlyGrid);
      same(r.shareDisaggregated, apiRows.get(key(r))!.shareDisaggregated);
    }
    const gcpRows = hourly.rows.filter((r) => r.provider === "gcp");
    expect(gcpRows.length).toBeGreaterThan(0);
    for (const r of gcpRows) {
      const own = await storedShares(
        "2025-01-01T00:00:00Z",
        "2025-02-01T00:00:00Z",
        `provider = 'gcp' AND region = '${r.region}'`,
      );
      same(r.shareHourlyGrid, own.grid);
    }

    // The CSV's total row and the XLSX data quality sheet carry the same figure.
    const [header, ...rows] = parseCsv((await renderReport(model, "csv")).body.toString("utf8"));
    const col = (name: string) => header!.indexOf(name);
    const total = rows.find((row) => row[col("dimension")] === "total")!;
    same(Number(total[col("share_hourly_grid")]), body.hourlyGridShare);
    same(Number(total[col("share_disaggregated")]), body.disaggregatedShare);
    expect(rows.filter((row) => row[col("dimension")] === "hourly_coverage")).toHaveLength(
      hourly.rows.length,
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await renderReport(model, "xlsx")).body as unknown as ArrayBuffer);
    let xlsxShare: number | undefined;
    workbook.getWorksheet("Data quality")!.eachRow((row) => {
      if (row.getCell(1).value === hourlyCoverageLabels.shareHourlyGrid)
        xlsxShare = row.getCell(2).value as number;
    });
    same(xlsxShare, body.hourlyGridShare);
  });

  it("the breakdown by region and the hourly series give the same shares", async () => {
    const response = await call(breakdown.GET, {
      path: "/api/v1/emissions/breakdown?from=2025-01-01&to=2025-02-28&groupBy=region&limit=200",
      credential: owner,
    });
    expect(response.status).toBe(200);
    const items = response.body.items as {
      key: string;
      shareHourlyGrid: number | null;
      shareDisaggregated: number | null;
    }[];
    expect(items.length).toBeGreaterThan(2);
    for (const item of items) {
      const [provider, region] = item.key.split("/");
      const own = await storedShares(
        "2025-01-01T00:00:00Z",
        "2025-03-01T00:00:00Z",
        `provider = '${provider}' AND region = '${region}'`,
      );
      same(item.shareHourlyGrid, own.grid);
      same(item.shareDisaggregated, own.disaggregated);
    }

    // Hourly points (a week): disaggregated kWh is reported as such on every point.
    const hourlyPoints = await call(series.GET, {
      path: "/api/v1/emissions?from=2025-02-01&to=2025-02-07&granularity=hour",
      credential: owner,
    });
    expect(hourlyPoints.status).toBe(200);
    const points = hourlyPoints.body.points as { kwhFacility: number; kwhDisaggregated: number }[];
    const kwh = points.reduce((n, p) => n + p.kwhFacility, 0);
    const disaggregated = points.reduce((n, p) => n + p.kwhDisaggregated, 0);
    const own = await storedShares("2025-02-01T00:00:00Z", "2025-02-08T00:00:00Z");
    same(disaggregated / kwh, own.disaggregated);
  });
});

describe("hourly coverage of a real CUR estimated with stored hourly intensity", () => {
  // The anonymised AWS CUR of November 2023 (us-east-1, us-west-2, us-east-2, ca-central-1 lines).
  // Hourly lifecycle intensity is stored for US-MIDA-PJM (the zone of us-east-1 and us-east-2) only,
  // so their kWh, and no other region's, is estimated with hourly factors.
  const file = "sample-anonymous-aws-export-dataset.csv";
  let sampleOwner: TestUser;
  let sampleTenant: string;

  beforeAll(async () => {
    const points = [];
    const from = Date.parse("2023-10-01T00:00:00Z");
    const to = Date.parse("2024-01-01T00:00:00Z");
    for (let ms = from; ms < to; ms += 3_600_000)
      points.push({
        zone: "US-MIDA-PJM",
        hour: new Date(ms),
        boundary: "lifecycle" as const,
        gCo2ePerKwh: 380 + 60 * Math.cos(((new Date(ms).getUTCHours() - 15) * Math.PI) / 12),
        estimated: false,
      });
    await writeGridIntensity(db.owner, {
      source: "electricitymaps-api",
      sourceVersion: "test",
      label: "US-MIDA-PJM Q4 2023",
      points,
    });
    sampleOwner = await signUp("owner@hourly-coverage-cur.test");
    sampleTenant = await createOrganization(sampleOwner, "Hourly coverage CUR");
    const form = new FormData();
    form.set(
      "file",
      new Blob([
        readFileSync(
          path.resolve(__dirname, "../../../packages/connectors/test/samples/aws", file),
        ),
      ]),
      file,
    );
    const created = await call(imports.POST, {
      path: "/api/v1/imports",
      method: "POST",
      credential: sampleOwner,
      body: form,
    });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    let view: Record<string, unknown> = {};
    for (let i = 0; i < 600; i++) {
      view = (
        await call(importOne.GET, {
          path: `/api/v1/imports/${id}`,
          credential: sampleOwner,
          params: { id },
        })
      ).body;
      if (view.status === "failed" || (view.status === "succeeded" && view.estimates === "done"))
        break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(view.status).toBe("succeeded");
  }, 600_000);

  it("the summary and the report give the stored share; only US-MIDA-PJM regions on hourly factors", async () => {
    const { rows } = await db.owner.pool.query<{ region: string; kwh: number; grid: number }>(
      `SELECT region, sum(kwh_facility)::float8 AS kwh, sum(kwh_hourly_grid)::float8 AS grid
       FROM emissions_hourly WHERE tenant_id = $1 GROUP BY region`,
      [sampleTenant],
    );
    const kwh = rows.reduce((n, r) => n + r.kwh, 0);
    const grid = rows.reduce((n, r) => n + r.grid, 0);
    const east = rows.find((r) => r.region === "us-east-1")!;
    expect(east.kwh).toBeGreaterThan(0);
    expect(grid).toBeGreaterThan(0);
    expect(grid).toBeLessThan(kwh);
    // Every region in US-MIDA-PJM (us-east-1, us-east-2) is wholly on hourly factors, none other.
    for (const r of rows) {
      if (regionFactors("aws", r.region).gridZone === "US-MIDA-PJM")
        expect(r.grid).toBeCloseTo(r.kwh, 12);
      else expect(r.grid).toBe(0);
    }
    expect(rows.some((r) => r.region === "us-west-2" && r.kwh > 0)).toBe(true);

    const api = await call(summary.GET, {
      path: "/api/v1/emissions/summary?from=2023-11-01&to=2023-11-30",
      credential: sampleOwner,
    });
    const body = api.body as { hourlyGridShare: number | null; hourlyCoverage: Coverage[] };
    same(body.hourlyGridShare, grid / kwh);
    const actor = { userId: sampleOwner.userId, role: "owner" as const };
    const generated = await generateReport(
      db.app,
      sampleTenant,
      { period: parsePeriod("2023-11") },
      actor,
    );
    const content = (await getReport(db.app, sampleTenant, generated.report.id, actor)).model
      .content;
    same(content.dataQuality.hourlyCoverage!.shareHourlyGrid, body.hourlyGridShare);
    const apiEast = body.hourlyCoverage.find((r) => r.region === "us-east-1")!;
    const reportEast = content.dataQuality.hourlyCoverage!.rows.find(
      (r) => r.region === "us-east-1",
    )!;
    same(reportEast.shareHourlyGrid, apiEast.shareHourlyGrid);
    same(apiEast.shareHourlyGrid, east.grid / east.kwh);
  });
});
