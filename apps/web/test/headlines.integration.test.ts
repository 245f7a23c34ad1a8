import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replaceEmissionsWindow, withTenantClient, type UsageRow } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import { estimateUsagePages } from "@canopy/jobs";
import { createEstimator, outOfScopeReasons } from "@canopy/methodology";
import { generateReport, getReport, parsePeriod, type ReportContent } from "@canopy/reports";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as summary from "@/app/api/v1/emissions/summary/route";
import * as imports from "@/app/api/v1/imports/route";
import * as importOne from "@/app/api/v1/imports/[id]/route";

/**
 * One definition of every headline (@canopy/methodology headlines.ts): two real AWS CURs are imported
 * and estimated through the API, and the dashboard's summary API and the finance report of the same
 * month must give the same figure for each headline. The anonymised CUR of November 2023 (1,281
 * lines, USD, S3/Glue/SQS/CloudWatch…, Canadian tax, no EC2) is mostly spend-based; the Well-Architected
 * workshop CUR of November 2018 (Parquet, 124,340 lines, EC2 with reservations) is mostly modelled,
 * with reservation fees out of scope.
 */
const samples = [
  { file: "sample-anonymous-aws-export-dataset.csv", month: "2023-11", to: "2023-11-30" },
  { file: "Nov2018-WorkshopCUR-00001.snappy.parquet", month: "2018-11", to: "2018-11-30" },
];
const samplePath = (file: string) =>
  path.resolve(__dirname, "../../../packages/connectors/test/samples/aws", file);

type Api = {
  totals: Record<string, number>;
  defaultsShare: number | null;
  spendBasedShare: number | null;
  kgCo2ePer1000Currency: number | null;
};
type Loaded = { owner: TestUser; tenantId: string; api: Api; report: ReportContent };

let db: TestDatabase;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
});

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

/** Imports one sample into an organization of its own, then reads the summary API and a report. */
async function load(sample: (typeof samples)[number]): Promise<Loaded> {
  const owner = await signUp(`owner-${sample.month}@headlines.test`);
  const tenantId = await createOrganization(owner, `Headlines ${sample.month}`);
  const form = new FormData();
  form.set("file", new Blob([readFileSync(samplePath(sample.file))]), sample.file);
  const created = await call(imports.POST, {
    path: "/api/v1/imports",
    method: "POST",
    credential: owner,
    body: form,
  });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  let view: Record<string, unknown> = {};
  for (let i = 0; i < 600; i++) {
    view = (
      await call(importOne.GET, {
        path: `/api/v1/imports/${id}`,
        credential: owner,
        params: { id },
      })
    ).body;
    if (view.status === "failed" || (view.status === "succeeded" && view.estimates === "done"))
      break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(view.status).toBe("succeeded");
  const response = await call(summary.GET, {
    path: `/api/v1/emissions/summary?from=${sample.month}-01&to=${sample.to}`,
    credential: owner,
  });
  expect(response.status).toBe(200);
  const actor = { userId: owner.userId, role: "owner" as const };
  const generated = await generateReport(
    db.app,
    tenantId,
    { period: parsePeriod(sample.month) },
    actor,
  );
  const report = (await getReport(db.app, tenantId, generated.report.id, actor)).model.content;
  return { owner, tenantId, api: response.body as Api, report };
}

// The report rounds to 6 decimals (mg CO2e, 1e-6 of a currency unit).
const same = (a: number | null | undefined, b: number | null | undefined) => {
  expect(a).not.toBeNull();
  expect(b).not.toBeNull();
  expect(Math.abs(a! - b!)).toBeLessThanOrEqual(2e-6 + 1e-9 * Math.abs(b!));
};

describe.each(samples)("headlines of $file: dashboard API and finance report agree", (sample) => {
  let api: Api;
  let report: ReportContent;
  let tenantId: string;
  beforeAll(async () => {
    ({ api, report, tenantId } = await load(sample));
  }, 600_000);

  it("every CO2e headline", () => {
    const h = report.headlines!;
    const t = api.totals;
    same(t.co2eTotalKg, h.totalKg);
    same(t.co2eTotalKg, report.customerView.scope3Category1LocationKg);
    same(t.co2eTotalMarketBasedKg, h.totalMarketBasedKg);
    same(t.co2eTotalMarketBasedKg, report.customerView.scope3Category1MarketKg);
    same(t.co2eLocationKg, h.electricityLocationKg);
    same(t.co2eLocationKg, report.providerView.electricityLocationKg);
    same(t.co2eMarketKg, report.providerView.electricityMarketKg);
    same(t.co2eEmbodiedKg, report.providerView.embodiedKg);
    same(t.co2eSpendBasedKg, h.spendBasedKg);
    same(t.co2eTotalLowKg, h.totalLowKg);
    same(t.co2eTotalHighKg, h.totalHighKg);
    same(api.defaultsShare, report.dataQuality.shareOnDefaults);
    same(api.spendBasedShare, report.dataQuality.shareSpendBased);
    // A real range around the total, from the quality of each line's inputs (methodology §8.1).
    expect(h.totalLowKg).toBeLessThan(h.totalKg);
    expect(h.totalHighKg).toBeGreaterThan(h.totalKg);
    // Both files have usage without an energy model (requests, ingress…), estimated from spend.
    expect(h.spendBasedKg).toBeGreaterThan(0);
    expect(h.totalKg).toBeGreaterThan(h.electricityLocationKg + h.embodiedKg);
  });

  it("every cost headline, and every line is estimated, spend-based or out of scope", () => {
    const h = report.headlines!;
    const t = api.totals;
    const usd = (list: { currency: string; amount: number }[] | undefined) =>
      list?.find((s) => s.currency === "USD")?.amount;
    same(t.costAmount, h.costTotalAmount);
    same(t.costCoveredAmount, h.costCoveredAmount);
    same(t.costCoveredAmount, usd(report.costCoverage!.covered));
    same(t.costSpendBasedAmount, usd(report.costCoverage!.spendBased));
    same(t.costOutOfScopeAmount, usd(report.costCoverage!.outOfScope));
    same(t.costNotModelledAmount, h.costNotModelledAmount);
    // A ratio of figures the report rounds to 6 decimals first: equal to 1e-5 relative.
    const reportIntensity = report.intensity.spend.find((s) => s.currency === "USD")!;
    expect(reportIntensity.co2eLocationKgPer1000! / api.kgCo2ePer1000Currency!).toBeCloseTo(1, 5);
    // A USD file: nothing is left without an estimate; covered + out of scope = the invoice.
    same(h.costNotModelledAmount, 0);
    same(h.costCoveredAmount + h.costOutOfScopeAmount, h.costTotalAmount);
  });

  it("out of scope is exactly the ledger's tax and other out-of-scope lines", async () => {
    const { rows } = await db.owner.pool.query<{ amount: number; lines: number }>(
      `SELECT coalesce(sum(cost_amount), 0)::float8 AS amount, count(*)::int AS lines FROM usage_hourly
       WHERE tenant_id = $1 AND kind = 'other' AND usage_type = ANY($2::text[])`,
      [tenantId, Object.keys(outOfScopeReasons)],
    );
    expect(rows[0]!.lines).toBeGreaterThan(0);
    same(api.totals.costOutOfScopeAmount, rows[0]!.amount);
  });

  it("every stored row has low ≤ central ≤ high", async () => {
    const { rows } = await db.owner.pool.query<{ rows: number; outside: number }>(
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE NOT (
         co2e_low_kg <= (co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg) * (1 + 1e-12) + 1e-15 AND
         co2e_high_kg >= (co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg) * (1 - 1e-12) - 1e-15))::int AS outside
       FROM emissions_hourly WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(rows[0]!.rows).toBeGreaterThan(500);
    expect(rows[0]!.outside).toBe(0);
  });

  it("the set-based estimate stores what the method gives row by row", async () => {
    const { rows } = await db.owner.pool.query<UsageRow>(
      `SELECT cloud_account_id AS "cloudAccountId", hour, dims_key AS "dimsKey", period_hours AS "periodHours",
              provider::text AS provider, service, region, kind, unit, usage_type AS "usageType",
              instance_type AS "instanceType", vcpus, memory_gb AS "memoryGb", gpu_model AS "gpuModel",
              gpu_count AS "gpuCount", storage_class AS "storageClass", replication_hint AS "replicationHint",
              cpu_utilization AS "cpuUtilization", quantity, cost_amount::text AS "costAmount", currency, tags,
              sync_run_id AS "syncRunId"
       FROM usage_hourly WHERE tenant_id = $1`,
      [tenantId],
    );
    const expected = { spend: 0, low: 0, high: 0, costSpend: 0, costOut: 0 };
    async function* one() {
      yield rows;
    }
    for await (const e of estimateUsagePages(one(), createEstimator())) {
      expected.spend += e.co2eSpendBasedKg;
      expected.low += e.co2eLowKg;
      expected.high += e.co2eHighKg;
      expected.costSpend += Number(e.costSpendBasedAmount);
      expected.costOut += Number(e.costOutOfScopeAmount);
    }
    const storedSums = async () =>
      (
        await db.owner.pool.query(
          `SELECT sum(co2e_spend_based_kg) AS spend, sum(co2e_low_kg) AS low, sum(co2e_high_kg) AS high,
                  sum(cost_spend_based_amount)::float8 AS "costSpend", sum(cost_out_of_scope_amount)::float8 AS "costOut"
           FROM emissions_hourly WHERE tenant_id = $1`,
          [tenantId],
        )
      ).rows[0] as typeof expected;
    const agrees = (stored: typeof expected) => {
      for (const key of Object.keys(expected) as (keyof typeof expected)[])
        expect(Math.abs(stored[key] - expected[key]), key).toBeLessThanOrEqual(
          1e-9 * Math.abs(expected[key]) + 1e-9,
        );
    };
    agrees(await storedSums());
    expect(expected.spend).toBeGreaterThan(0);

    // The row-by-row path (taken when a shape is not linear) writes the same figures.
    const accounts = [...new Set(rows.map((r) => r.cloudAccountId))];
    await withTenantClient(db.app, tenantId, async (client) => {
      for (const cloudAccountId of accounts) {
        const own = rows.filter((r) => r.cloudAccountId === cloudAccountId);
        const hours = own.map((r) => r.hour.getTime());
        const window = {
          cloudAccountId,
          start: new Date(Math.min(...hours)),
          end: new Date(Math.max(...hours) + 3_600_000),
        };
        async function* page() {
          yield own;
        }
        await replaceEmissionsWindow(
          client,
          tenantId,
          window,
          estimateUsagePages(page(), createEstimator()),
        );
      }
    });
    agrees(await storedSums());
  });
});
