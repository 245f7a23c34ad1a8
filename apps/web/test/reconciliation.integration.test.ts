import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { storeReportedCarbon } from "@canopy/jobs";
import { loadReconciliation } from "@/lib/server/reconciliation";

describe("reconciliation page data", () => {
  let db: TestDatabase;
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  const accounts: Record<string, string> = {};
  const now = new Date("2026-06-10T12:00:00Z");

  beforeAll(async () => {
    db = await createTestDatabase();
    for (const tenant of [tenantA, tenantB]) {
      await db.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
        tenant,
        `t-${tenant}`,
      ]);
      const { rows } = await db.owner.pool.query<{ id: string }>(
        `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
         VALUES ($1, 'gcp', 'Search', 'acme-search', 'active') RETURNING id`,
        [tenant],
      );
      accounts[tenant] = rows[0]!.id;
      // Canopy's estimates for April and May 2026 (and one long before the range).
      for (const [month, location] of [
        ["2026-04-01", 80],
        ["2026-05-01", 90],
        ["2024-01-01", 5],
      ] as const) {
        await db.owner.pool.query(
          `INSERT INTO emissions_monthly (tenant_id, month, cloud_account_id, provider, service, region, kind, kwh_it, kwh_facility,
             co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, methodology_version)
           VALUES ($1, $2, $3, 'gcp', 'compute', 'europe-west1', 'compute', 100, 110, $4, 10, 20, 1, 'test')`,
          [tenant, month, rows[0]!.id, location],
        );
      }
    }
    // Google published April only (May is not out before mid-June); tenant B's figure is far off.
    for (const [tenant, scope3] of [
      [tenantA, 25],
      [tenantB, 9000],
    ] as const) {
      await storeReportedCarbon(db.app, tenant, accounts[tenant]!, [
        {
          provider: "gcp",
          providerAccountId: "acme-search",
          month: "2026-04-01",
          scope: "scope2-location",
          co2eKg: 75,
          source: "gcp-carbon-footprint-bigquery",
          modelVersion: "12",
        },
        {
          provider: "gcp",
          providerAccountId: "acme-search",
          month: "2026-04-01",
          scope: "scope3",
          co2eKg: scope3,
          source: "gcp-carbon-footprint-bigquery",
          modelVersion: "12",
        },
      ]);
    }
  });
  afterAll(async () => db?.drop());

  const load = (tenant: string) =>
    withTenantClient(db.app, tenant, (client) => loadReconciliation(client, { now }));

  it("puts Canopy's estimate beside the provider's, with the difference, newest month first, for one organization only", async () => {
    const view = await load(tenantA);
    // Ends with the latest month with data (May), not the empty current month.
    expect(view.from).toBe("2025-05-01");
    expect(view.to).toBe("2026-06-01");
    expect(view.hasProviderFigures).toBe(true);
    expect(view.rows.map((r) => [r.month, r.provider])).toEqual([
      ["2026-05-01", "gcp"],
      ["2026-04-01", "gcp"],
    ]);
    const [may, april] = view.rows;
    // April: Canopy location 80 + embodied 20 = 100 against Google's 75 + 25 = 100 → 0.
    expect(april!.reported!.co2eKg).toBe(100);
    expect(april!.canopyComparableKg).toBe(100);
    expect(april!.differenceKg).toBe(0);
    expect(april!.differenceRatio).toBe(0);
    expect(april!.reasons.join(" ")).toMatch(/Scope coverage/);
    // May: not published yet, said with the lag.
    expect(may!.reported).toBeNull();
    expect(may!.differenceKg).toBeNull();
    expect(may!.reasons.join(" ")).toMatch(/GCP publishes month M around the 15th/);

    const other = await load(tenantB);
    expect(other.rows.find((r) => r.month === "2026-04-01")!.reported!.co2eKg).toBe(9075);
  });

  it("says there are no provider figures for an organization without any", async () => {
    const empty = randomUUID();
    await db.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      empty,
      `t-${empty}`,
    ]);
    const view = await load(empty);
    expect(view).toMatchObject({ rows: [], hasProviderFigures: false });
  });
});
