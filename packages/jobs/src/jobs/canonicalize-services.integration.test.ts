import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient, writeUsageRecords, type StagedUsage } from "@canopy/db";
import { createImportHarness } from "../import/testing";
import { queueMonthlyEstimates } from "../months";

const record = (hour: number, service: string, quantity: number): StagedUsage => ({
  provider: "aws",
  accountId: "111122223333",
  periodStart: new Date(Date.UTC(2026, 0, 10, hour)).toISOString(),
  periodHours: 1,
  service,
  region: "us-east-1",
  kind: "compute",
  unit: "vcpu-hours",
  instanceType: "m5.large",
  vcpus: 2,
  quantity,
  costAmount: quantity / 10,
  currency: "USD",
});

describe("canonicalize-services", () => {
  let h: Awaited<ReturnType<typeof createImportHarness>>;
  beforeAll(async () => {
    h = await createImportHarness();
  });
  afterAll(async () => h?.close());

  it("renames stored services to the table's canonical names and re-estimates those months", async () => {
    const tenant = await h.newTenant();
    const written = await withTenantClient(h.database.app, tenant, async (client) => {
      await client.query(
        "INSERT INTO sync_runs (id, tenant_id, kind, status) VALUES ('00000000-0000-4000-8000-000000000001', $1, 'import', 'succeeded')",
        [tenant],
      );
      // Written the way a FOCUS file was read before the service table existed.
      return writeUsageRecords(
        client,
        tenant,
        "00000000-0000-4000-8000-000000000001",
        (async function* () {
          yield [record(0, "Amazon Elastic Compute Cloud", 4), record(1, "AmazonEC2", 6)];
        })(),
        { sourceKind: "focus" },
      );
    });
    await queueMonthlyEstimates(h.driver, tenant, "seed", written.windows);
    await h.driver.drain();
    const before = await h.totals(tenant);
    const services = () =>
      h.database.owner.pool.query<{ service: string; rows: number }>(
        `SELECT service, count(*)::int AS rows FROM (
           SELECT service FROM usage_hourly WHERE tenant_id = $1
           UNION ALL SELECT service FROM emissions_hourly WHERE tenant_id = $1
           UNION ALL SELECT service FROM emissions_daily WHERE tenant_id = $1) s GROUP BY 1 ORDER BY 1`,
        [tenant],
      );
    expect((await services()).rows.map((r) => r.service)).toEqual([
      "Amazon Elastic Compute Cloud",
      "AmazonEC2",
    ]);

    await h.driver.enqueue("canonicalize-services", {});
    await h.driver.drain();
    expect((await services()).rows).toEqual([{ service: "AmazonEC2", rows: 2 + 2 + 1 }]);
    const after = await h.totals(tenant);
    expect(after.usageRows).toBe(before.usageRows);
    expect(after.quantity).toBe(before.quantity);
    expect(after.co2eKg).toBeCloseTo(before.co2eKg, 12);
    expect(after.dailyCo2eKg).toBeCloseTo(before.co2eKg, 12);
    const keys = await h.database.owner.pool.query(
      "SELECT count(DISTINCT dims_key)::int AS n FROM usage_hourly WHERE tenant_id = $1",
      [tenant],
    );
    expect(keys.rows[0].n).toBe(1); // the renamed rows carry the key of the canonical name
  });
});
