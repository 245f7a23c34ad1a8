import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import type { ReportedCarbon } from "@canopy/connectors/live";
import { reconcileProviderEmissions, storeReportedCarbon } from "./reconciliation";

describe("provider carbon reconciliation", () => {
  let database: TestDatabase;
  let tenantId: string;
  const accounts: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    for (const [provider, id] of [
      ["aws", "111111111111"],
      ["gcp", "acme-search-prod"],
      ["azure", "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f"],
    ] as const) {
      const { rows } = await database.owner.pool.query<{ id: string }>(
        "INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status) VALUES ($1, $2, $3, $3, 'active') RETURNING id",
        [tenantId, provider, id],
      );
      accounts[provider] = rows[0]!.id;
      await database.owner.pool.query(
        `INSERT INTO emissions_monthly (tenant_id, month, cloud_account_id, provider, service, region, kind, kwh_it, kwh_facility,
           co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, methodology_version)
         VALUES ($1, '2026-04-01', $2, $3, 'compute', 'r', 'compute', 100, 120, 40, 10, 5, 1, 'test')`,
        [tenantId, rows[0]!.id, provider],
      );
    }
  });
  afterAll(async () => database?.drop());

  const aws = (model: string, tonnes: number): ReportedCarbon => ({
    provider: "aws",
    providerAccountId: "111111111111",
    month: "2026-04-01",
    service: "AmazonEC2",
    region: "eu-central-1",
    scope: "total",
    co2eKg: tonnes * 1000,
    source: "aws-carbon-emissions-export",
    modelVersion: model,
  });

  it("stores figures, replacing a re-imported month and keeping other model versions", async () => {
    await storeReportedCarbon(database.app, tenantId, accounts["aws"]!, [
      aws("v3.0.0", 0.05),
      aws("v2.0.0", 0.04),
    ]);
    await storeReportedCarbon(database.app, tenantId, accounts["aws"]!, [aws("v3.0.0", 0.05)]);
    const { rows } = await database.owner.pool.query<{ model_version: string; kg: number }>(
      "SELECT model_version, sum(co2e_kg)::float8 AS kg FROM provider_reported_emissions WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1",
      [tenantId],
    );
    expect(rows).toEqual([
      { model_version: "v2.0.0", kg: 40 },
      { model_version: "v3.0.0", kg: 50 },
    ]);
  });

  it("puts Canopy's estimate beside each provider's figure, on a like-for-like basis, with the difference and reasons", async () => {
    await storeReportedCarbon(database.app, tenantId, accounts["gcp"]!, [
      {
        provider: "gcp",
        providerAccountId: "acme-search-prod",
        month: "2026-04-01",
        scope: "scope1",
        co2eKg: 1,
        source: "gcp-carbon-footprint-bigquery",
        modelVersion: "15",
      },
      {
        provider: "gcp",
        providerAccountId: "acme-search-prod",
        month: "2026-04-01",
        scope: "scope2-location",
        co2eKg: 30,
        source: "gcp-carbon-footprint-bigquery",
        modelVersion: "15",
      },
      {
        provider: "gcp",
        providerAccountId: "acme-search-prod",
        month: "2026-04-01",
        scope: "scope2-market",
        co2eKg: 12,
        source: "gcp-carbon-footprint-bigquery",
        modelVersion: "15",
      },
      {
        provider: "gcp",
        providerAccountId: "acme-search-prod",
        month: "2026-04-01",
        scope: "scope3",
        co2eKg: 9,
        source: "gcp-carbon-footprint-bigquery",
        modelVersion: "15",
      },
    ]);
    const rows = await reconcileProviderEmissions(database.app, tenantId, {
      from: "2026-04-01",
      to: "2026-06-01",
    });
    const byProvider = Object.fromEntries(rows.map((r) => [r.provider, r]));

    // AWS: newest model (v3) total 50 kg vs Canopy location 40 + embodied 5.
    expect(byProvider["aws"]).toMatchObject({
      month: "2026-04-01",
      canopyComparableKg: 45,
      differenceKg: -5,
    });
    expect(byProvider["aws"]!.reported).toMatchObject({ co2eKg: 50, modelVersion: "v3.0.0" });
    expect(byProvider["aws"]!.differenceRatio).toBeCloseTo(-0.1);
    expect(byProvider["aws"]!.reasons.join(" ")).toMatch(/Scope coverage/);

    // GCP: scope1 + scope2 LBM + scope3 = 40 vs 45.
    expect(byProvider["gcp"]).toMatchObject({ canopyComparableKg: 45, differenceKg: 5 });
    expect(byProvider["gcp"]!.reported!.scopes["scope2-market"]).toBe(12);

    // Every reported basis beside Canopy's figure on the same basis.
    expect(byProvider["gcp"]!.comparisons.map((c) => [c.basis, c.reportedKg, c.canopyKg])).toEqual([
      ["location", 30, 40],
      ["market", 12, 10],
      ["embodied", 9, 5],
    ]);
    // GCP's figures cover the whole project: its market-based figure replaces the estimate, and
    // each basis is calibrated (provider ÷ Canopy).
    expect(byProvider["gcp"]!.marketBased).toMatchObject({
      basis: "provider-reported",
      co2eMarketKg: 12,
      replacedEstimateKg: 10,
    });
    expect(byProvider["gcp"]!.calibration.map((p) => [p.basis, p.status, p.factor])).toEqual([
      ["location", "calibrated", 30 / 40],
      ["market", "calibrated", 12 / 10],
      ["embodied", "calibrated", 9 / 5],
    ]);
    // AWS's figure is for AmazonEC2 in eu-central-1, where Canopy has nothing: not spread over
    // Canopy's other rows, the month stays uncalibrated and says why; market-based stays estimated.
    expect(byProvider["aws"]!.calibration[0]).toMatchObject({
      basis: "location",
      status: "uncalibrated",
      factor: null,
      reportedUnmatchedKg: 50,
    });
    expect(byProvider["aws"]!.calibration[0]!.reason).toMatch(/no Canopy estimate in its scope/);
    expect(byProvider["aws"]!.marketBased).toMatchObject({ basis: "estimated", co2eMarketKg: 10 });

    // Azure: a Canopy estimate but nothing published yet.
    expect(byProvider["azure"]).toMatchObject({ reported: null, differenceKg: null });
    expect(byProvider["azure"]!.reasons.join(" ")).toMatch(/No provider figure stored.*19th/);

    await storeReportedCarbon(database.app, tenantId, accounts["azure"]!, [
      {
        provider: "azure",
        providerAccountId: "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f",
        month: "2026-04-01",
        scope: "total",
        co2eKg: 20,
        source: "azure-carbon-optimization",
      },
    ]);
    const azure = (
      await reconcileProviderEmissions(database.app, tenantId, {
        from: "2026-04-01",
        to: "2026-05-01",
      })
    ).find((r) => r.provider === "azure");
    // Market-based 10 + embodied 5 vs 20; the method mismatch is named.
    expect(azure).toMatchObject({ canopyComparableKg: 15, differenceKg: -5 });
    expect(azure!.reasons.join(" ")).toMatch(/market-based/);
    expect(azure!.comparisons).toHaveLength(1);

    // A live connection stores Azure's scopes one by one (one request each) with their sum: Scope 2
    // and Scope 3 are put beside Canopy's market-based and embodied figures, and Scope 2 is the
    // provider-reported market-based figure of the subscription.
    const azureFigure = (scope: ReportedCarbon["scope"], co2eKg: number): ReportedCarbon => ({
      provider: "azure",
      providerAccountId: "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f",
      month: "2026-04-01",
      scope,
      co2eKg,
      source: "azure-carbon-optimization",
    });
    await storeReportedCarbon(database.app, tenantId, accounts["azure"]!, [
      azureFigure("scope1", 1),
      azureFigure("scope2-market", 13),
      azureFigure("scope3", 6),
      azureFigure("total", 20),
    ]);
    const scoped = (
      await reconcileProviderEmissions(database.app, tenantId, {
        from: "2026-04-01",
        to: "2026-05-01",
      })
    ).find((r) => r.provider === "azure")!;
    expect(scoped).toMatchObject({ canopyComparableKg: 15, differenceKg: -5 });
    expect(scoped.comparisons.map((c) => [c.basis, c.reportedKg, c.canopyKg])).toEqual([
      ["market", 20, 15],
      ["market", 13, 10],
      ["embodied", 6, 5],
    ]);
    expect(scoped.marketBased).toMatchObject({ basis: "provider-reported", co2eMarketKg: 13 });
  });

  it("is tenant-scoped: another tenant sees nothing", async () => {
    const other = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'O', $2)", [
      other,
      `o-${other}`,
    ]);
    expect(
      await reconcileProviderEmissions(database.app, other, {
        from: "2026-01-01",
        to: "2027-01-01",
      }),
    ).toEqual([]);
  });
});
