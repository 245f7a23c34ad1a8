import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "../tenant";
import { createTestDatabase, type TestDatabase } from "../testing";
import { tenantDataVersion } from "./data-version";
import { refreshRollups } from "./rollups";
import {
  allocateEmissions,
  createCostCentre,
  deleteCostCentre,
  readAllocationRules,
  replaceAllocationRules,
} from "./allocation";

/**
 * Rows (hour, account, service, tags, location kg). Expected, by hand:
 * - namespace checkout → Checkout: 10 + 6 = 16; namespace search → Search: 4
 * - team ops → split 3 : 1 between Checkout and Search: 8 → 6 and 2
 * - S3 of account A without a namespace → proportional to the fixed rules' totals
 *   (Checkout 22, Search 6): 7 → 5.5 and 1.5
 * - the rest (account B's Lambda, 5 kg) stays unallocated
 */
const rows = [
  ["2026-05-01T10:00:00Z", "a", "Amazon EC2", { "k8s-namespace": "checkout" }, 10],
  ["2026-05-01T11:00:00Z", "a", "Amazon EC2", { "k8s-namespace": "checkout" }, 6],
  ["2026-05-02T10:00:00Z", "a", "Amazon EC2", { "k8s-namespace": "search" }, 4],
  ["2026-05-02T11:00:00Z", "a", "Amazon EC2", { team: "ops" }, 8],
  ["2026-05-02T12:00:00Z", "a", "Amazon S3", {}, 7],
  ["2026-05-03T00:00:00Z", "b", "AWS Lambda", { team: "web" }, 5],
  ["2026-06-01T00:00:00Z", "a", "Amazon EC2", { "k8s-namespace": "checkout" }, 100], // outside the period
] as const;

describe("allocation to cost centres (real PostgreSQL, row-level security)", () => {
  let database: TestDatabase;
  const tenantId = randomUUID();
  const otherTenant = randomUUID();
  const accounts = { a: randomUUID(), b: randomUUID() };
  const actor = { tenantId, actorUserId: null, actorLabel: "test" };
  const scoped = <T>(run: Parameters<typeof withTenantClient<T>>[2]) =>
    withTenantClient(database.app, tenantId, run);
  const may = { start: "2026-05-01T00:00:00Z", end: "2026-06-01T00:00:00Z" };

  beforeAll(async () => {
    database = await createTestDatabase();
    const owner = database.owner.pool;
    for (const id of [tenantId, otherTenant])
      await owner.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
        id,
        `t-${id}`,
      ]);
    for (const [key, id] of Object.entries(accounts)) {
      await owner.query(
        "INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id) VALUES ($1, $2, 'aws', $3, $4)",
        [id, tenantId, key, key === "a" ? "111111111111" : "222222222222"],
      );
    }
    await owner.query("SELECT ensure_emissions_partitions('2026-01-01', 12)");
    await scoped(async (client) => {
      for (const [i, [hour, account, service, tags, kg]] of rows.entries()) {
        await client.query(
          `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, pue,
             grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l,
             cost_amount, tags, methodology_version)
           VALUES ($1, $2, $3, $4, 'aws', $5, 'us-east-1', 'compute', 1, 400, $6, $6, $7, $7, 0, 0, $8, $9, 'test')`,
          [tenantId, accounts[account], hour, `d${i}`, service, kg * 2.5, kg, kg / 10, tags],
        );
      }
    });
  });
  afterAll(async () => database?.drop());

  it("splits by tag, fixed weights and usage key; allocated + unallocated = the period's total", async () => {
    const result = await scoped(async (client) => {
      const checkout = await createCostCentre(client, actor, "Checkout");
      const search = await createCostCentre(client, actor, "Search");
      const base = {
        tagKey: null,
        tagValue: null,
        service: null,
        cloudAccountId: null,
        split: "fixed" as const,
      };
      await replaceAllocationRules(client, actor, [
        {
          ...base,
          tagKey: "k8s-namespace",
          tagValue: "checkout",
          targets: [{ costCentreId: checkout.id, weight: 1 }],
        },
        {
          ...base,
          tagKey: "k8s-namespace",
          tagValue: "search",
          targets: [{ costCentreId: search.id, weight: 1 }],
        },
        {
          ...base,
          tagKey: "team",
          tagValue: "ops",
          targets: [
            { costCentreId: checkout.id, weight: 3 },
            { costCentreId: search.id, weight: 1 },
          ],
        },
        {
          ...base,
          service: "Amazon S3",
          cloudAccountId: accounts.a,
          split: "proportional",
          targets: [
            { costCentreId: checkout.id, weight: 1 },
            { costCentreId: search.id, weight: 1 },
          ],
        },
      ]);
      return allocateEmissions(client, may);
    });
    const kg = (name: string) =>
      result.costCentres.find((c) => c.name === name)?.sums.co2eLocationKg;
    expect(kg("Checkout")).toBeCloseTo(16 + 6 + 7 * (22 / 28), 9);
    expect(kg("Search")).toBeCloseTo(4 + 2 + 7 * (6 / 28), 9);
    expect(result.unallocated.sums.co2eLocationKg).toBeCloseTo(5, 9);
    expect(result.total.co2eLocationKg).toBeCloseTo(40, 9);
    expect(result.total.costAmount).toBeCloseTo(4, 9);
    const allocatedCost =
      result.costCentres.reduce((s, c) => s + c.sums.costAmount, 0) +
      result.unallocated.sums.costAmount;
    expect(allocatedCost).toBeCloseTo(result.total.costAmount, 9);
    // per day: Checkout has 16 kg on May 1
    expect(result.costCentres.find((c) => c.name === "Checkout")?.byDay[0]).toMatchObject({
      day: "2026-05-01",
    });
    expect(
      result.costCentres.find((c) => c.name === "Checkout")?.byDay[0]?.sums.co2eLocationKg,
    ).toBeCloseTo(16, 9);
  });

  it("another organization sees neither the cost centres nor the rules, and allocates nothing of ours", async () => {
    const other = await withTenantClient(database.app, otherTenant, async (client) => ({
      rules: await readAllocationRules(client),
      allocation: await allocateEmissions(client, may),
    }));
    expect(other.rules).toEqual([]);
    expect(other.allocation.costCentres).toEqual([]);
    expect(other.allocation.total.co2eLocationKg).toBe(0);
  });

  it("deleting a cost centre removes it from its rules; their rows fall back to unallocated, and the change is audited", async () => {
    const before = await scoped((client) => tenantDataVersion(client));
    const result = await scoped(async (client) => {
      const search = (
        await client.query<{ id: string }>("SELECT id FROM cost_centres WHERE name = 'Search'")
      ).rows[0]!;
      await deleteCostCentre(client, actor, search.id);
      return allocateEmissions(client, may);
    });
    // The read cache keys on the data version: a cost centre or rule change moves it.
    expect(await scoped((client) => tenantDataVersion(client))).not.toBe(before);
    expect(result.costCentres.map((c) => c.name)).toEqual(["Checkout"]);
    // search namespace (4) stays unallocated now; ops goes all to Checkout; S3 all to Checkout
    expect(result.unallocated.sums.co2eLocationKg).toBeCloseTo(5 + 4, 9);
    expect(result.costCentres[0]?.sums.co2eLocationKg).toBeCloseTo(16 + 8 + 7, 9);
    const audit = await database.owner.pool.query(
      "SELECT action FROM audit_log WHERE tenant_id = $1 ORDER BY id",
      [tenantId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      "cost_centre.create",
      "cost_centre.create",
      "allocation_rules.replace",
      "cost_centre.delete",
    ]);
  });

  it("uses the provider's market-based figure where one covers the month, as the dashboard does", async () => {
    const result = await scoped(async (client) => {
      await refreshRollups(
        client,
        tenantId,
        accounts.a,
        new Date("2026-05-01"),
        new Date("2026-07-01"),
      );
      await client.query(
        `INSERT INTO provider_reported_emissions (tenant_id, cloud_account_id, provider, provider_account_id, month, scope, co2e_kg, source)
         VALUES ($1, $2, 'aws', '111111111111', '2026-05-01', 'scope2-market', 12, 'test')`,
        [tenantId, accounts.a],
      );
      return allocateEmissions(client, may);
    });
    // account a's May rows (35 kg estimated) carry the provider's 12 kg; account b keeps its 5 kg estimate
    expect(result.total.co2eMarketKg).toBeCloseTo(12 + 5, 9);
    expect(result.total.co2eMarketReportedKg).toBeCloseTo(12, 9);
    const parts =
      result.costCentres.reduce((s, c) => s + c.sums.co2eMarketKg, 0) +
      result.unallocated.sums.co2eMarketKg;
    expect(parts).toBeCloseTo(17, 9);
  });
});
