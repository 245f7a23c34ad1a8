import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshRollups, withTenantClient } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import { storeReportedCarbon } from "@canopy/jobs";
import { generateReport, getReport, parsePeriod, type ReportActor } from "@canopy/reports";
import { call } from "./call";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, signUp, type TestUser } from "./users";
import * as reconciliation from "@/app/api/v1/reconciliation/route";
import * as calibrated from "@/app/api/v1/reconciliation/calibrated/route";
import { loadReconciliation } from "@/lib/server/reconciliation";

/**
 * One organization with AWS, Azure and GCP usage in April and May 2026 and the providers' figures
 * for April only (shapes of the providers' exports: billing-formats.md §4.6). The reconciliation
 * page, the API and the report must compare the same things; the calibrated view must scale April
 * to the providers' level and leave May as estimated.
 */
const accounts = [
  ["aws", "111111111111", "AmazonEC2", "eu-central-1"],
  ["azure", "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f", "Virtual Machines", "westeurope"],
  ["gcp", "acme-search-prod", "Compute Engine", "us-central1"],
] as const;
const hours = ["2026-04-03T10:00:00Z", "2026-04-03T11:00:00Z", "2026-05-02T08:00:00Z"];

describe("calibration to the providers' figures (page, API, report)", () => {
  let db: TestDatabase;
  let viewer: TestUser;
  let tenantId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await setUpWebTestDatabase();
    const owner = await signUp("owner@calibration.test");
    viewer = await signUp("viewer@calibration.test");
    tenantId = await createOrganization(owner, "Calibration Org");
    await addMember(db, tenantId, viewer, "viewer");
    await db.owner.pool.query("SELECT ensure_emissions_partitions('2026-01-01', 12)");
    for (const [a, [provider, providerAccountId, service, region]] of accounts.entries()) {
      const { rows } = await db.owner.pool.query<{ id: string }>(
        `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
         VALUES ($1, $2, $3, $3, 'active') RETURNING id`,
        [tenantId, provider, providerAccountId],
      );
      ids[provider] = rows[0]!.id;
      await withTenantClient(db.app, tenantId, async (client) => {
        for (const [h, hour] of hours.entries()) {
          const kwh = 10 + 7 * h + a;
          await client.query(
            `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, pue,
               grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l,
               methodology_version)
             VALUES ($1, $2, $3, 'd', $4, $5, $6, 'compute', 1.2, 400, $7::float8 / 1.2, $7, $7::float8 * 0.4,
               $7::float8 * 0.1 * (1 + $8), $7::float8 * 0.02, 0, 'test')`,
            [tenantId, ids[provider], hour, provider, service, region, kwh, h],
          );
        }
        await refreshRollups(
          client,
          tenantId,
          ids[provider]!,
          new Date("2026-04-01"),
          new Date("2026-06-01"),
        );
      });
    }
    const april = "2026-04-01";
    await storeReportedCarbon(db.app, tenantId, ids["aws"]!, [
      ...(["total", "total-market"] as const).map((scope, i) => ({
        provider: "aws" as const,
        providerAccountId: "111111111111",
        month: april,
        service: "AmazonEC2",
        region: "eu-central-1",
        scope,
        co2eKg: [0.0121, 0.0029][i]! * 1000,
        source: "aws-carbon-emissions-export",
        modelVersion: "v3.0.0",
      })),
    ]);
    await storeReportedCarbon(db.app, tenantId, ids["azure"]!, [
      {
        provider: "azure",
        providerAccountId: accounts[1][1],
        month: april,
        scope: "total",
        co2eKg: 1.84,
        source: "azure-carbon-optimization",
      },
    ]);
    await storeReportedCarbon(
      db.app,
      tenantId,
      ids["gcp"]!,
      Object.entries({
        scope1: 0.41,
        "scope2-location": 8.82,
        "scope2-market": 3.17,
        scope3: 2.29,
      }).map(([scope, co2eKg]) => ({
        provider: "gcp" as const,
        providerAccountId: "acme-search-prod",
        month: april,
        service: "Compute Engine",
        region: "us-central1",
        scope: scope as "scope1",
        co2eKg,
        source: "gcp-carbon-footprint-bigquery",
        modelVersion: "15",
      })),
    );
  });
  afterAll(async () => tearDownWebTestDatabase(db));

  const now = new Date("2026-06-10T12:00:00Z");
  const page = () =>
    withTenantClient(db.app, tenantId, (client) => loadReconciliation(client, { now }));

  it("the API answers with the page's data, factors and history included", async () => {
    const view = await page();
    const response = await call(reconciliation.GET, {
      path: "/api/v1/reconciliation",
      credential: viewer,
    });
    expect(response.status).toBe(200);
    // The API's range ends at today's latest month, the page's at `now`'s: same data here.
    expect(response.body["rows"]).toEqual(JSON.parse(JSON.stringify(view.rows)));
    expect(response.body["history"]).toEqual(JSON.parse(JSON.stringify(view.history)));
    const gcpApril = view.rows.find((r) => r.provider === "gcp" && r.month === "2026-04-01")!;
    expect(gcpApril.marketBased!.basis).toBe("provider-reported");
    expect(gcpApril.marketBased!.co2eMarketKg).toBeCloseTo(3.17, 9);
    const may = view.history.filter((p) => p.month === "2026-05-01");
    expect(may.length).toBeGreaterThan(0);
    for (const point of may) expect(point).toMatchObject({ status: "uncalibrated", factor: null });
  });

  it("the report compares each provider figure with the same Canopy figures as the page", async () => {
    const actor: ReportActor = { userId: null, role: "analyst" };
    const { report } = await generateReport(
      db.app,
      tenantId,
      { period: parsePeriod("2026-04") },
      actor,
    );
    const { model } = await getReport(db.app, tenantId, report.id, actor);
    const section = model.content.dataQuality.reconciliation;
    expect(section.status).toBe("imported");
    expect(section.note).toMatch(/estimated view/);
    const view = await page();
    const compared = view.rows
      .filter((r) => r.month === "2026-04-01")
      .flatMap((r) => r.comparisons.map((c) => ({ provider: r.provider, ...c })));
    // Every like-for-like comparison of the page is a row of the report, with the same figures.
    expect(compared.length).toBe(6);
    for (const comparison of compared) {
      const row = section.rows.find(
        (r) => r.provider === comparison.provider && r.comparedWith === comparison.label,
      );
      expect(row, comparison.label).toBeDefined();
      expect(row!.canopyCo2eKg).toBeCloseTo(comparison.canopyKg, 6);
      expect(row!.providerCo2eKg).toBeCloseTo(comparison.reportedKg, 6);
    }
    // Azure: market-based + embodied in both (issue #18's disagreement).
    const azure = view.rows.find((r) => r.provider === "azure" && r.month === "2026-04-01")!;
    const reportAzure = section.rows.find((r) => r.provider === "azure")!;
    expect(reportAzure.canopyCo2eKg).toBeCloseTo(
      azure.canopy!.co2eMarketKg + azure.canopy!.co2eEmbodiedKg,
      6,
    );
    expect(azure.canopyComparableKg).toBeCloseTo(reportAzure.canopyCo2eKg, 6);
  });

  it("the calibrated view keeps Canopy's hours and reaches the provider's level; May stays estimated", async () => {
    const april = await call(calibrated.GET, {
      path: "/api/v1/reconciliation/calibrated?month=2026-04&granularity=hour",
      credential: viewer,
    });
    expect(april.status).toBe(200);
    const points = april.body["points"] as {
      period: string;
      provider: string;
      basis: string;
      estimatedKg: number;
      calibratedKg: number;
      status: string;
    }[];
    const gcpLocation = points.filter((p) => p.provider === "gcp" && p.basis === "location");
    expect(gcpLocation.map((p) => p.status)).toEqual(["calibrated", "calibrated"]);
    expect(gcpLocation.reduce((n, p) => n + p.calibratedKg, 0)).toBeCloseTo(8.82, 9);
    const [first, second] = gcpLocation;
    expect(first!.calibratedKg / second!.calibratedKg).toBeCloseTo(
      first!.estimatedKg / second!.estimatedKg,
      12,
    );
    const azureMarket = points.filter((p) => p.provider === "azure" && p.basis === "market");
    expect(azureMarket.reduce((n, p) => n + p.calibratedKg, 0)).toBeCloseTo(1.84, 9);

    const may = await call(calibrated.GET, {
      path: "/api/v1/reconciliation/calibrated?month=2026-05&granularity=day",
      credential: viewer,
    });
    const mayPoints = may.body["points"] as {
      status: string;
      estimatedKg: number;
      calibratedKg: number;
    }[];
    expect(mayPoints.length).toBeGreaterThan(0);
    for (const point of mayPoints) {
      expect(point.status).toBe("uncalibrated");
      expect(point.calibratedKg).toBe(point.estimatedKg);
    }
  });
});
