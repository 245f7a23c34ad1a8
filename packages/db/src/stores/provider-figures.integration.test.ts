import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "../tenant";
import { createTestDatabase, type TestDatabase } from "../testing";
import { refreshRollups } from "./rollups";
import {
  calibratedSeries,
  calibrationHistory,
  loadProviderScopes,
  marketBasedByMonth,
  providerMarketSource,
  providerMarketSql,
} from "./provider-figures";

/**
 * The provider figure is the example row of GCP's Carbon Footprint export schema
 * (reference billing-formats.md §4.6: project acme-search-prod, Compute Engine, us-central1, April
 * 2026, model 15). Canopy's hours differ in energy and in grid factor, so an allocation by energy and a
 * scaling of Canopy's shape give different hours, and a mistake in either shows.
 */
const project = "acme-search-prod";
const gcpExample = { scope1: 0.41, "scope2-location": 88.2, "scope2-market": 31.7, scope3: 22.9 };
const hours = [
  // hour, service, kWh facility, grid g/kWh, market share of location
  ["2026-04-03T10:00:00Z", "Compute Engine", 12, 420, 0.5],
  ["2026-04-03T11:00:00Z", "Compute Engine", 30, 380, 0.4],
  ["2026-04-17T02:00:00Z", "Compute Engine", 7.5, 510, 0.6],
  ["2026-04-20T05:00:00Z", "Cloud Storage", 2, 400, 0.5],
  ["2026-05-02T08:00:00Z", "Compute Engine", 20, 400, 0.5],
] as const;

describe("provider-reported figures: market-based allocation and calibrated view", () => {
  let database: TestDatabase;
  const tenantId = randomUUID();
  const accountId = randomUUID();
  const april = { from: "2026-04-01", to: "2026-05-01" };
  const aprilMay = { from: "2026-04-01", to: "2026-06-01" };
  const scoped = <T>(run: Parameters<typeof withTenantClient<T>>[2]) =>
    withTenantClient(database.app, tenantId, run);

  beforeAll(async () => {
    database = await createTestDatabase();
    const owner = database.owner.pool;
    await owner.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    await owner.query(
      `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id)
       VALUES ($1, $2, 'gcp', 'Search', $3)`,
      [accountId, tenantId, project],
    );
    await owner.query("SELECT ensure_emissions_partitions('2026-01-01', 12)");
    await scoped(async (client) => {
      for (const [i, [hour, service, kwh, grid, marketShare]] of hours.entries()) {
        const locationKg = (kwh * grid) / 1000;
        await client.query(
          `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, pue,
             grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l,
             methodology_version)
           VALUES ($1, $2, $3, $4, 'gcp', $5, 'us-central1', 'compute', 1.1, $6, $7::float8 / 1.1, $7, $8, $9, $10, 0, 'test')`,
          [
            tenantId,
            accountId,
            hour,
            `d${i}`,
            service,
            grid,
            kwh,
            locationKg,
            locationKg * marketShare,
            kwh * 0.01,
          ],
        );
      }
      await refreshRollups(
        client,
        tenantId,
        accountId,
        new Date("2026-04-01"),
        new Date("2026-06-01"),
      );
      const store = async (model: string, scale: number) => {
        for (const [scope, kg] of Object.entries(gcpExample))
          await client.query(
            `INSERT INTO provider_reported_emissions (tenant_id, cloud_account_id, provider, provider_account_id, month, service,
               region, scope, co2e_kg, source, model_version)
             VALUES ($1, $2, 'gcp', $3, '2026-04-01', 'Compute Engine', 'us-central1', $4, $5, 'gcp-carbon-footprint-bigquery', $6)`,
            [tenantId, accountId, project, scope, kg * scale, model],
          );
      };
      // Model 9 is older than 15 (numeric order, not text order): its figures must not count.
      await store("15", 1);
      await store("9", 3);
    });
  });
  afterAll(async () => database?.drop());

  const computeApril = hours.filter(([h, s]) => h < "2026-05" && s === "Compute Engine");

  it("allocates the provider's market-based figure to hours by share of energy, summing back to it", async () => {
    const perHour = await scoped(async (client) => {
      const { rows } = await client.query<{
        hour: string;
        reported: number;
        market: number;
        kwh: number;
      }>(
        `WITH ${providerMarketSql.ctes("$1", "$2")}
         SELECT to_char(h.hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS hour,
                ${providerMarketSql.reportedKg("h")} AS reported, ${providerMarketSql.marketKg("h")} AS market,
                h.kwh_facility AS kwh
         FROM emissions_hourly h ${providerMarketSql.join("h", "date_trunc('month', h.hour AT TIME ZONE 'UTC')::date")}
         WHERE h.hour >= $1::timestamptz AND h.hour < $2::timestamptz ORDER BY h.hour`,
        ["2026-04-01", "2026-06-01"],
      );
      return rows;
    });
    const covered = perHour.filter((r) => r.reported > 0);
    expect(covered.map((r) => r.hour)).toEqual(computeApril.map(([h]) => h));
    const kwhTotal = computeApril.reduce((n, [, , kwh]) => n + kwh, 0);
    const sum = covered.reduce((n, r) => n + r.reported, 0);
    expect(Math.abs(sum - gcpExample["scope2-market"])).toBeLessThan(1e-9);
    for (const row of covered) {
      expect(row.reported / gcpExample["scope2-market"]).toBeCloseTo(row.kwh / kwhTotal, 12);
      expect(row.market).toBe(row.reported);
    }
    // The storage hour (no figure for Cloud Storage) and May (not published) keep the estimate.
    const storage = perHour.find((r) => r.hour === "2026-04-20T05:00:00Z")!;
    expect(storage.market).toBeCloseTo((2 * 400 * 0.5) / 1000, 12);
    const may = perHour.find((r) => r.hour.startsWith("2026-05"))!;
    expect(may.market).toBeCloseTo((20 * 400 * 0.5) / 1000, 12);

    const months = await scoped((client) => marketBasedByMonth(client, aprilMay));
    expect(months.map((m) => [m.month, m.basis])).toEqual([
      ["2026-04-01", "provider-reported and estimated"],
      ["2026-05-01", "estimated"],
    ]);
    expect(Math.abs(months[0]!.co2eMarketReportedKg - gcpExample["scope2-market"])).toBeLessThan(
      1e-9,
    );
    expect(months[0]!.co2eMarketEstimatedKg).toBeCloseTo(0.4, 12);
    expect(months[1]).toMatchObject({ co2eMarketReportedKg: 0 });
    expect(months[1]!.co2eMarketKg).toBeCloseTo(4, 12);
  });

  it("gives every grain (hourly, daily, monthly) the same market-based figure per month", async () => {
    const months = await scoped((client) => marketBasedByMonth(client, aprilMay));
    for (const table of ["emissions_hourly", "emissions_daily", "emissions_monthly"] as const) {
      const month = {
        emissions_hourly: "date_trunc('month', hour AT TIME ZONE 'UTC')",
        emissions_daily: "date_trunc('month', day)",
        emissions_monthly: "month",
      }[table];
      const { rows } = await scoped((client) =>
        client.query<{ month: string; market: number; reported: number }>(
          `SELECT to_char(${month}, 'YYYY-MM-DD') AS month, sum(co2e_market_precedence_kg)::float8 AS market,
                  sum(co2e_market_reported_kg)::float8 AS reported
           FROM ${providerMarketSource(table, "$1", "$2")} x GROUP BY 1 ORDER BY 1`,
          ["2026-04-01", "2026-06-01"],
        ),
      );
      expect(rows.map((r) => r.month)).toEqual(months.map((m) => m.month));
      for (const [i, row] of rows.entries()) {
        expect(row.market).toBeCloseTo(months[i]!.co2eMarketKg, 9);
        expect(row.reported).toBeCloseTo(months[i]!.co2eMarketReportedKg, 9);
      }
    }
  });

  it("counts only the newest model version, compared over the same scope", async () => {
    const scopes = await scoped((client) => loadProviderScopes(client, aprilMay));
    expect(scopes).toHaveLength(1);
    expect(scopes[0]).toMatchObject({
      modelVersion: "15",
      service: "Compute Engine",
      region: "us-central1",
      reported: gcpExample,
    });
    // Canopy's figure for the scope excludes Cloud Storage.
    const kwh = computeApril.reduce((n, [, , k]) => n + k, 0);
    expect(scopes[0]!.canopy.kwhFacility).toBeCloseTo(kwh, 9);
  });

  it("calibrates keeping Canopy's shape, to the provider's level; a month without a figure stays estimated", async () => {
    const scopes = await scoped((client) => loadProviderScopes(client, aprilMay));
    const history = calibrationHistory(scopes, aprilMay);
    const location = history.filter((p) => p.basis === "location");
    const canopyLocation = computeApril.reduce((n, [, , kwh, grid]) => n + (kwh * grid) / 1000, 0);
    expect(location.map((p) => [p.month, p.status])).toEqual([
      ["2026-04-01", "calibrated"],
      ["2026-05-01", "uncalibrated"],
    ]);
    expect(location[0]!.factor).toBeCloseTo(gcpExample["scope2-location"] / canopyLocation, 12);
    expect(location[1]!.factor).toBeNull();

    const series = await scoped((client) => calibratedSeries(client, aprilMay, "hour", scopes));
    const locationHours = series.filter((p) => p.basis === "location");
    const computeHours = locationHours.filter((p) =>
      computeApril.some(([hour]) => hour === p.period),
    );
    // Ratios between hours unchanged: every calibrated hour is its estimate times one factor.
    for (const point of computeHours) {
      expect(point.status).toBe("calibrated");
      expect(point.calibratedKg / point.estimatedKg).toBeCloseTo(location[0]!.factor!, 12);
    }
    expect(
      Math.abs(
        computeHours.reduce((n, p) => n + p.calibratedKg, 0) - gcpExample["scope2-location"],
      ),
    ).toBeLessThan(1e-9);
    // Outside the provider's scope (storage) and in May: unchanged and marked uncalibrated.
    for (const period of ["2026-04-20T05:00:00Z", "2026-05-02T08:00:00Z"]) {
      const point = locationHours.find((p) => p.period === period)!;
      expect(point).toMatchObject({ status: "uncalibrated" });
      expect(point.calibratedKg).toBe(point.estimatedKg);
    }
    const monthly = await scoped((client) => calibratedSeries(client, aprilMay, "month", scopes));
    expect(monthly.filter((p) => p.basis === "embodied").map((p) => [p.period, p.status])).toEqual([
      ["2026-04-01", "partly calibrated"],
      ["2026-05-01", "uncalibrated"],
    ]);
  });

  it("shows another organization nothing", async () => {
    const other = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'O', $2)", [
      other,
      `o-${other}`,
    ]);
    await withTenantClient(database.app, other, async (client) => {
      expect(await loadProviderScopes(client, april)).toEqual([]);
      expect(await marketBasedByMonth(client, april)).toEqual([]);
    });
  });
});
