import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CarbonExportError } from "@canopy/connectors";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import type { ReportedCarbon } from "@canopy/connectors/live";
import { importCarbonExport } from "./import-carbon";
import { reconcileProviderEmissions, storeReportedCarbon } from "./reconciliation";

/*
 * No real carbon export sample exists (samples/README.md lists billing files only): the files are the
 * documented AWS CARBON_EMISSIONS columns and GCP Carbon Footprint fields with the documented example
 * values (billing-formats.md §4.6).
 */
const awsHeader =
  "usage_period_start,usage_period_end,payer_account_id,usage_account_id,region_code,location,product_code,total_lbm_emissions_value,total_lbm_emissions_unit,total_mbm_emissions_value,total_mbm_emissions_unit,model_version";
const awsFile = (lbmTonnes: number) =>
  `${awsHeader}\n2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,999999999999,111111111111,eu-central-1,Europe (Frankfurt),AmazonEC2,${lbmTonnes},MTCO2e,0.0069,MTCO2e,v3.0.0\n`;
const gcpFile = `usage_month,project.id,service.description,location.region,carbon_model_version,carbon_footprint_kgCO2e.scope1,carbon_footprint_kgCO2e.scope2.location_based,carbon_footprint_kgCO2e.scope2.market_based,carbon_footprint_kgCO2e.scope3
2026-04-01,acme-search-prod,Compute Engine,us-central1,15,0.41,88.2,31.7,22.9
`;

describe("importCarbonExport (file import of the providers' carbon exports)", () => {
  let database: TestDatabase;
  let tenantId: string;
  let awsAccount: string;
  const actor = { actorLabel: "admin@test" };
  const stored = async () =>
    (
      await database.owner.pool.query<{ scope: string; source: string; kg: number; n: number }>(
        `SELECT scope, source, sum(co2e_kg)::float8 AS kg, count(*)::int AS n FROM provider_reported_emissions
         WHERE tenant_id = $1 AND provider = 'aws' GROUP BY 1, 2 ORDER BY 2, 1`,
        [tenantId],
      )
    ).rows;

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    for (const [provider, id, service, region] of [
      ["aws", "111111111111", "AmazonEC2", "eu-central-1"],
      ["gcp", "acme-search-prod", "Compute Engine", "us-central1"],
    ] as const) {
      const { rows } = await database.owner.pool.query<{ id: string }>(
        "INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status) VALUES ($1, $2, $3, $3, 'active') RETURNING id",
        [tenantId, provider, id],
      );
      if (provider === "aws") awsAccount = rows[0]!.id;
      await database.owner.pool.query(
        `INSERT INTO emissions_monthly (tenant_id, month, cloud_account_id, provider, service, region, kind, kwh_it, kwh_facility,
           co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, methodology_version)
         VALUES ($1, '2026-04-01', $2, $3, $4, $5, 'compute', 100, 120, 40, 10, 5, 1, 'test')`,
        [tenantId, rows[0]!.id, provider, service, region],
      );
    }
  });
  afterAll(async () => database?.drop());

  it("stores an AWS file in kg and shows it in reconciliation", async () => {
    const summary = await importCarbonExport(database.app, tenantId, {
      text: awsFile(0.0421),
      fileName: "carbon.csv",
      ...actor,
    });
    expect(summary).toMatchObject({
      provider: "aws",
      rowsRead: 1,
      stored: 2,
      months: ["2026-04-01"],
      replaced: [],
    });
    expect(summary.co2eKgByScope["total"]).toBeCloseTo(42.1, 9);
    const rows = await reconcileProviderEmissions(database.app, tenantId, {
      from: "2026-04-01",
      to: "2026-05-01",
    });
    const aws = rows.find((r) => r.provider === "aws")!;
    expect(aws.reported!.co2eKg).toBeCloseTo(42.1, 9);
    expect(aws.reported!.modelVersion).toBe("v3.0.0");
    // v3: location-based + embodied (40 + 5) beside the provider's 42.1 kg.
    expect(aws.canopyComparableKg).toBe(45);
    expect(aws.calibration.find((c) => c.basis === "location")!.factor).toBeCloseTo(42.1 / 45, 9);
  });

  it("re-importing the same file replaces, not adds, and says what it replaced", async () => {
    const again = await importCarbonExport(database.app, tenantId, {
      text: awsFile(0.0421),
      fileName: "carbon.csv",
      ...actor,
    });
    expect(again.replaced.map((r) => [r.scope, r.previousRows, r.rows])).toEqual([
      ["total", 1, 1],
      ["total-market", 1, 1],
    ]);
    const corrected = await importCarbonExport(database.app, tenantId, {
      text: awsFile(0.05),
      fileName: "carbon-v2.csv",
      ...actor,
    });
    const total = corrected.replaced.find((r) => r.scope === "total")!;
    expect(total.previousKg).toBeCloseTo(42.1, 9);
    expect(total.co2eKg).toBeCloseTo(50, 9);
    const figures = await stored();
    expect(figures.map((f) => [f.scope, f.n])).toEqual([
      ["total", 1],
      ["total-market", 1],
    ]);
    expect(figures[0]!.kg).toBeCloseTo(50, 9);
    const rows = await reconcileProviderEmissions(database.app, tenantId, {
      from: "2026-04-01",
      to: "2026-05-01",
    });
    expect(rows.find((r) => r.provider === "aws")!.reported!.co2eKg).toBeCloseTo(50, 9);
    const audit = await database.owner.pool.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'provider_figures.import'",
      [tenantId],
    );
    expect(audit.rows[0].n).toBe(3);
  });

  it("keeps a connected account's fetched figures, and the copy stored last counts (no double count)", async () => {
    const fetched: ReportedCarbon[] = (["total", "total-market"] as const).map((scope) => ({
      provider: "aws",
      providerAccountId: "111111111111",
      month: "2026-04-01",
      service: "AmazonEC2",
      region: "eu-central-1",
      scope,
      co2eKg: scope === "total" ? 44 : 7,
      source: "aws-carbon-emissions-export",
      modelVersion: "v3.0.0",
    }));
    await storeReportedCarbon(database.app, tenantId, awsAccount, fetched);
    let rows = await reconcileProviderEmissions(database.app, tenantId, {
      from: "2026-04-01",
      to: "2026-05-01",
    });
    expect(rows.find((r) => r.provider === "aws")!.reported!.co2eKg).toBe(44);
    await importCarbonExport(database.app, tenantId, {
      text: awsFile(0.05),
      fileName: "carbon-v2.csv",
      ...actor,
    });
    rows = await reconcileProviderEmissions(database.app, tenantId, {
      from: "2026-04-01",
      to: "2026-05-01",
    });
    expect(rows.find((r) => r.provider === "aws")!.reported!.co2eKg).toBeCloseTo(50, 9);
    expect((await stored()).map((f) => f.source)).toEqual([
      "aws-carbon-emissions-export",
      "aws-carbon-emissions-export",
      "aws-carbon-emissions-export-file",
      "aws-carbon-emissions-export-file",
    ]);
  });

  it("stores a GCP file per scope and compares Scope 2 location-based with Canopy's", async () => {
    const summary = await importCarbonExport(database.app, tenantId, {
      text: gcpFile,
      fileName: "gcp.csv",
      provider: "gcp",
      ...actor,
    });
    expect(summary.stored).toBe(4);
    const rows = await reconcileProviderEmissions(database.app, tenantId, {
      from: "2026-04-01",
      to: "2026-05-01",
    });
    const gcp = rows.find((r) => r.provider === "gcp")!;
    expect(gcp.reported!.scopes).toEqual({
      scope1: 0.41,
      "scope2-location": 88.2,
      "scope2-market": 31.7,
      scope3: 22.9,
    });
    expect(gcp.comparisons.find((c) => c.basis === "location")).toMatchObject({
      reportedKg: 88.2,
      canopyKg: 40,
    });
  });

  it("stores nothing from a malformed file", async () => {
    const before = await stored();
    await expect(
      importCarbonExport(database.app, tenantId, {
        text: awsFile(0.05) + awsFile(0.05).split("\n")[1]!.replace("MTCO2e", "lb") + "\n",
        fileName: "bad.csv",
        ...actor,
      }),
    ).rejects.toThrow(CarbonExportError);
    expect(await stored()).toEqual(before);
  });
});
