import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { storeReportedCarbon } from "@canopy/jobs";
import { marketBasedLabels } from "@canopy/methodology";
import {
  generateReport,
  getReport,
  parsePeriod,
  periodMarketQualifier,
  type ReportContent,
} from "@canopy/reports";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as summary from "@/app/api/v1/emissions/summary/route";
import * as breakdown from "@/app/api/v1/emissions/breakdown/route";
import * as series from "@/app/api/v1/emissions/route";
import * as reconciliation from "@/app/api/v1/reconciliation/route";

/**
 * Market-based in GHG Protocol Scope 2 precedence (methodology.md sections 5 and 13.2), one code path
 * for every reader: three accounts (AWS, Azure, GCP) with usage in January and February 2025; GCP
 * reports a Scope 2 market-based figure for January only. The dashboard API, the finance report and
 * the reconciliation API must give the same market-based figure and basis for each month and
 * boundary: provider-reported for GCP in January, estimated in February and for AWS and Azure, both
 * for all accounts together.
 */

type Totals = { co2eMarketKg: number; co2eTotalMarketBasedKg: number; marketBasis: string };
type MarketBased = { provider: string; month: string; co2eMarketKg: number; basis: string };

let db: TestDatabase;
let owner: TestUser;
let tenantId: string;
let gcpAccountId: string;
let azureAccountId: string;
/** GCP's own Scope 2 market-based figure for January 2025 (kg CO2e). */
const reportedKg = 1234.5;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@market-precedence.test");
  tenantId = await createOrganization(owner, "Market precedence");
  const accountIds = await seedEmissions(db.owner.pool, {
    tenantId,
    accounts: 3,
    services: 2,
    combos: 6,
    start: new Date("2025-01-01T00:00:00Z"),
    hours: 24 * (31 + 28),
  });
  // seedEmissions gives account 0 to AWS, 1 to Azure and 2 to GCP, each two services.
  [azureAccountId, gcpAccountId] = [accountIds[1]!, accountIds[2]!];
  const { rows } = await db.owner.pool.query<{ provider_account_id: string }>(
    "SELECT provider_account_id FROM cloud_accounts WHERE id = $1",
    [gcpAccountId],
  );
  await storeReportedCarbon(db.app, tenantId, gcpAccountId, [
    {
      provider: "gcp",
      providerAccountId: rows[0]!.provider_account_id,
      month: "2025-01-01",
      scope: "scope2-market",
      co2eKg: reportedKg,
      source: "gcp-carbon-footprint-bigquery",
      modelVersion: "12",
    },
  ]);
}, 120_000);

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

const apiTotals = async (query: string): Promise<Totals> => {
  const response = await call(summary.GET, {
    path: `/api/v1/emissions/summary?${query}`,
    credential: owner,
  });
  expect(response.status).toBe(200);
  return response.body.totals as Totals;
};

const reportOf = async (period: string, cloudAccountIds?: string[]): Promise<ReportContent> => {
  const actor = { userId: owner.userId, role: "owner" as const };
  const generated = await generateReport(
    db.app,
    tenantId,
    { period: parsePeriod(period), ...(cloudAccountIds ? { cloudAccountIds } : {}) },
    actor,
  );
  return (await getReport(db.app, tenantId, generated.report.id, actor)).model.content;
};

let reconciled: MarketBased[] = [];
const reconciledOf = (provider: string, month: string) => {
  const found = reconciled.find((m) => m.provider === provider && m.month === month);
  expect(found).toBeDefined();
  return found!;
};

/** The estimate as stored, without any provider figure. */
const storedEstimateKg = async (month: string, accountId?: string) => {
  const { rows } = await db.owner.pool.query<{ kg: number }>(
    `SELECT sum(co2e_market_kg)::float8 AS kg FROM emissions_monthly
     WHERE tenant_id = $1 AND month = $2::date AND ($3::uuid IS NULL OR cloud_account_id = $3::uuid)`,
    [tenantId, month, accountId ?? null],
  );
  return rows[0]!.kg;
};

// The report rounds to 6 decimals.
const same = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(2e-6 + 1e-9 * Math.abs(b));

describe("market-based precedence: dashboard API, report and reconciliation agree", () => {
  beforeAll(async () => {
    const response = await call(reconciliation.GET, {
      path: "/api/v1/reconciliation?months=3",
      credential: owner,
    });
    expect(response.status).toBe(200);
    reconciled = (response.body.rows as { marketBased: MarketBased | null }[])
      .map((r) => r.marketBased)
      .filter((m): m is MarketBased => m !== null);
  });

  it("GCP in January: the provider-reported figure, labelled provider-reported, everywhere", async () => {
    const api = await apiTotals("from=2025-01-01&to=2025-01-31&provider=gcp");
    const report = await reportOf("2025-01", [gcpAccountId]);
    const recon = reconciledOf("gcp", "2025-01-01");
    // The figure covers every GCP row of the month, so allocated and summed it is the figure itself.
    same(api.co2eMarketKg, reportedKg);
    same(recon.co2eMarketKg, reportedKg);
    same(report.providerView.electricityMarketKg, reportedKg);
    same(report.headlines!.electricityMarketKg, reportedKg);
    same(api.co2eTotalMarketBasedKg, report.customerView.scope3Category1MarketKg);
    expect(reportedKg).not.toBeCloseTo(await storedEstimateKg("2025-01-01", gcpAccountId), 0);
    expect([api.marketBasis, report.headlines!.marketBasis, recon.basis]).toEqual([
      "provider-reported",
      "provider-reported",
      "provider-reported",
    ]);
    expect(periodMarketQualifier(report)).toBe("provider-reported");
    expect(marketBasedLabels("provider-reported").electricityMarketKg).toMatch(
      /market-based \(provider-reported\)/,
    );
    // The hourly cross-check reads the same precedence: hourly and monthly still agree.
    expect(report.lineage.hourlyCheck.agrees).toBe(true);
    // The report's reconciliation compares the provider's figure with Canopy's estimate, not with
    // the market-based figure that now holds the provider's own.
    const row = report.dataQuality.reconciliation.rows.find((r) => r.scope === "scope2-market")!;
    same(row.providerCo2eKg, reportedKg);
    same(row.canopyCo2eKg, await storedEstimateKg("2025-01-01", gcpAccountId));
  });

  it("February (no provider figure) stays estimated, everywhere", async () => {
    const api = await apiTotals("from=2025-02-01&to=2025-02-28&provider=gcp");
    const report = await reportOf("2025-02", [gcpAccountId]);
    const recon = reconciledOf("gcp", "2025-02-01");
    const estimate = await storedEstimateKg("2025-02-01", gcpAccountId);
    expect(estimate).toBeGreaterThan(0);
    same(api.co2eMarketKg, estimate);
    same(recon.co2eMarketKg, estimate);
    same(report.providerView.electricityMarketKg, estimate);
    expect([api.marketBasis, report.headlines!.marketBasis, recon.basis]).toEqual([
      "estimated",
      "estimated",
      "estimated",
    ]);
    expect(periodMarketQualifier(report)).toBe("estimated: contractual coverage + residual mix");
  });

  it("all accounts in January: provider-reported for GCP, estimated for AWS and Azure, labelled as both", async () => {
    const api = await apiTotals("from=2025-01-01&to=2025-01-31");
    const report = await reportOf("2025-01");
    const gcp = reconciledOf("gcp", "2025-01-01");
    const aws = reconciledOf("aws", "2025-01-01");
    const azure = reconciledOf("azure", "2025-01-01");
    expect([aws.basis, azure.basis]).toEqual(["estimated", "estimated"]);
    same(azure.co2eMarketKg, await storedEstimateKg("2025-01-01", azureAccountId));
    same(api.co2eMarketKg, gcp.co2eMarketKg + aws.co2eMarketKg + azure.co2eMarketKg);
    same(report.providerView.electricityMarketKg, api.co2eMarketKg);
    same(report.customerView.scope3Category1MarketKg, api.co2eTotalMarketBasedKg);
    expect(api.marketBasis).toBe("provider-reported and estimated");
    expect(report.headlines!.marketBasis).toBe("provider-reported and estimated");
    expect(report.lineage.hourlyCheck.agrees).toBe(true);
    // The trend covers months with and without the figure.
    expect(report.trendMarketBasis).toBe("provider-reported and estimated");
  });

  it("the daily, hourly and breakdown paths allocate the same figure", async () => {
    // Two half months from the daily rollups add up to the whole month from the monthly rollup.
    const first = await apiTotals("from=2025-01-01&to=2025-01-15&provider=gcp");
    const second = await apiTotals("from=2025-01-16&to=2025-01-31&provider=gcp");
    expect(first.marketBasis).toBe("provider-reported");
    expect(first.co2eMarketKg).toBeGreaterThan(0);
    expect(first.co2eMarketKg).toBeLessThan(reportedKg);
    same(first.co2eMarketKg + second.co2eMarketKg, reportedKg);
    // Hourly points (emissions_hourly) of a week, against the same days from the daily rollups.
    const hourly = await call(series.GET, {
      path: "/api/v1/emissions?from=2025-01-01&to=2025-01-07&granularity=hour&provider=gcp",
      credential: owner,
    });
    expect(hourly.status).toBe(200);
    const points = hourly.body.points as { co2eMarketKg: number; marketBasis: string }[];
    expect(points.length).toBe(7 * 24);
    expect(points.every((p) => p.marketBasis === "provider-reported")).toBe(true);
    const week = await apiTotals("from=2025-01-01&to=2025-01-07&provider=gcp");
    same(
      points.reduce((n, p) => n + p.co2eMarketKg, 0),
      week.co2eMarketKg,
    );
    // A tag filter reads emissions_hourly for the whole month.
    const tagged = await apiTotals("from=2025-01-01&to=2025-01-31&provider=gcp&tag=team=team-2");
    expect(tagged.marketBasis).toBe("provider-reported");
    expect(tagged.co2eMarketKg).toBeGreaterThan(0);
    expect(tagged.co2eMarketKg).toBeLessThan(reportedKg);
    // Per service: each carries its share, and the column is labelled with the basis of them all.
    const byService = await call(breakdown.GET, {
      path: "/api/v1/emissions/breakdown?from=2025-01-01&to=2025-01-31&groupBy=service&provider=gcp",
      credential: owner,
    });
    expect(byService.status).toBe(200);
    expect(byService.body.marketBasis).toBe("provider-reported");
    const items = byService.body.items as { co2eMarketKg: number }[];
    expect(items.length).toBeGreaterThan(1);
    same(
      items.reduce((n, i) => n + i.co2eMarketKg, 0),
      reportedKg,
    );
  });
});
