import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, seedDemoOrganization, type Connection } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import type { JobEvents, QueueDriver } from "../contract";
import { createInlineDriver } from "../drivers/inline";
import { usageRecordOf } from "../estimation";
import { createEstimator } from "@canopy/methodology";

type Totals = {
  rows: number;
  kwh: number;
  location: number;
  market: number;
  embodied: number;
  water: number;
  low: number;
  high: number;
};

async function totals(owner: Connection, table: string, tenantId: string): Promise<Totals> {
  const { rows } = await owner.pool.query(
    `SELECT count(*)::int AS rows, sum(kwh_facility) AS kwh, sum(co2e_location_kg) AS location, sum(co2e_market_kg) AS market,
            sum(co2e_embodied_kg) AS embodied, sum(water_l) AS water, sum(co2e_low_kg) AS low,
            sum(co2e_high_kg) AS high FROM ${table} WHERE tenant_id = $1`,
    [tenantId],
  );
  return rows[0];
}

describe("estimate-window and rollup-days", () => {
  let database: TestDatabase;
  let tenantId: string;
  let windowStart: Date;
  let windowEnd: Date;
  let accounts: string[];
  const failures: { job: string; message: string; willRetry: boolean }[] = [];
  const estimateResults: { setBased: boolean; shapes: number }[] = [];
  let driver: QueueDriver;

  beforeAll(async () => {
    database = await createTestDatabase();
    const seeded = await seedDemoOrganization(database.owner, new Date("2026-03-10T12:00:00Z"));
    ({ tenantId, windowStart, windowEnd } = seeded);
    accounts = (
      await database.owner.pool.query(
        "SELECT id FROM cloud_accounts WHERE tenant_id = $1 ORDER BY provider",
        [tenantId],
      )
    ).rows.map((r) => r.id);
    const events: JobEvents = {
      onCompleted: (job, _ms, result) => {
        if (job === "estimate-window")
          estimateResults.push(result as { setBased: boolean; shapes: number });
      },
      onFailed: (job, _ms, error, willRetry) =>
        failures.push({ job, message: error.message, willRetry }),
    };
    driver = createInlineDriver(
      {
        owner: database.owner,
        app: database.app,
        keyring: createKeyring(Buffer.alloc(32, 1).toString("base64")),
        log: () => undefined,
      },
      events,
    );
    await driver.startWorkers();
  });
  afterAll(async () => {
    await driver?.close();
    await database?.drop();
  });

  const estimateAll = async () => {
    // Azure rows start at midnight, before the hourly series: widen the window to whole days.
    const start = new Date(
      Date.UTC(windowStart.getUTCFullYear(), windowStart.getUTCMonth(), windowStart.getUTCDate()),
    );
    for (const cloudAccountId of accounts) {
      await driver.enqueue("estimate-window", {
        tenantId,
        cloudAccountId,
        windowStart: start.toISOString(),
        windowEnd: windowEnd.toISOString(),
      });
    }
    await driver.drain();
  };

  it("writes one emissions row per usage row (daily rows one per hour), and rollups with the same totals", async () => {
    await estimateAll();
    expect(failures).toEqual([]);
    const usage = await database.owner.pool.query(
      "SELECT count(*)::int AS n FROM usage_hourly WHERE tenant_id = $1",
      [tenantId],
    );
    const hourly = await totals(database.owner, "emissions_hourly", tenantId);
    // The demo's Azure rows are daily: each becomes its hours (the last day is cut at the window's
    // end), marked disaggregated; every other row stays one row.
    const rows = await database.owner.pool.query(
      `SELECT count(*) FILTER (WHERE kwh_disaggregated = 0)::int AS single,
              count(DISTINCT dims_key) FILTER (WHERE kwh_disaggregated <> 0)::int AS spread,
              count(*) FILTER (WHERE kwh_disaggregated <> 0)::int AS "spreadHours",
              count(*) FILTER (WHERE kwh_disaggregated <> 0 AND provider <> 'azure')::int AS "notAzure"
       FROM emissions_hourly WHERE tenant_id = $1`,
      [tenantId],
    );
    const r = rows.rows[0];
    expect(r.single + r.spread).toBe(usage.rows[0].n);
    expect(r.spread).toBeGreaterThan(0);
    expect(r.notAzure).toBe(0);
    expect(r.spreadHours).toBeGreaterThan(23 * r.spread);
    expect(r.spreadHours).toBeLessThanOrEqual(24 * r.spread);
    expect(hourly.location).toBeGreaterThan(0);
    expect(hourly.market).toBeLessThanOrEqual(hourly.location);
    const daily = await totals(database.owner, "emissions_daily", tenantId);
    const monthly = await totals(database.owner, "emissions_monthly", tenantId);
    for (const measure of [
      "kwh",
      "location",
      "market",
      "embodied",
      "water",
      "low",
      "high",
    ] as const) {
      expect(daily[measure]).toBeCloseTo(hourly[measure], 6);
      expect(monthly[measure]).toBeCloseTo(hourly[measure], 6);
    }
    // The range brackets the total (location-based + embodied; the demo has no spend-based lines).
    expect(hourly.low).toBeLessThan(hourly.location + hourly.embodied);
    expect(hourly.high).toBeGreaterThan(hourly.location + hourly.embodied);
    // Every day of the window has a daily row.
    const days = await database.owner.pool.query(
      "SELECT count(DISTINCT day)::int AS n FROM emissions_daily WHERE tenant_id = $1",
      [tenantId],
    );
    // 2025-02-10 through 2026-03-10, both included.
    expect(days.rows[0].n).toBe(
      Math.floor((windowEnd.getTime() - windowStart.getTime()) / 86_400_000) + 1,
    );
  });

  it("matches the method applied row by row (the set-based path is exact)", async () => {
    const estimator = createEstimator();
    const { rows } = await database.owner.pool.query(
      `SELECT cloud_account_id AS "cloudAccountId", hour, period_hours AS "periodHours", provider, service, region, kind, unit,
              usage_type AS "usageType", instance_type AS "instanceType", vcpus, memory_gb AS "memoryGb", gpu_model AS "gpuModel",
              gpu_count AS "gpuCount", storage_class AS "storageClass", replication_hint AS "replicationHint",
              cpu_utilization AS "cpuUtilization", quantity
       FROM usage_hourly WHERE tenant_id = $1`,
      [tenantId],
    );
    const expected = { kwh: 0, location: 0, market: 0, embodied: 0, water: 0 };
    for (const row of rows) {
      const e = estimator.estimate(
        usageRecordOf({
          ...row,
          dimsKey: "",
          costAmount: null,
          currency: null,
          tags: {},
          syncRunId: null,
        }),
      );
      expected.kwh += e.kwhFacility;
      expected.location += e.co2eLocationKg;
      expected.market += e.co2eMarketKg;
      expected.embodied += e.embodiedKg;
      expected.water += e.waterL;
    }
    const stored = await totals(database.owner, "emissions_hourly", tenantId);
    for (const measure of ["kwh", "location", "market", "embodied", "water"] as const) {
      expect(Math.abs(stored[measure] - expected[measure]) / expected[measure]).toBeLessThan(1e-9);
    }
    // Every account's window took the set-based path: the comparison above is not row by row twice.
    expect(estimateResults.length).toBe(accounts.length);
    expect(estimateResults.every((r) => r.setBased && r.shapes > 0)).toBe(true);
  });

  it("gives identical totals when run again (no double counting)", async () => {
    const before = await Promise.all(
      ["emissions_hourly", "emissions_daily", "emissions_monthly"].map((t) =>
        totals(database.owner, t, tenantId),
      ),
    );
    await estimateAll();
    const after = await Promise.all(
      ["emissions_hourly", "emissions_daily", "emissions_monthly"].map((t) =>
        totals(database.owner, t, tenantId),
      ),
    );
    // Same rows; sums equal up to the order PostgreSQL adds the doubles in (a double count would double them).
    expect(after.map((t) => t.rows)).toEqual(before.map((t) => t.rows));
    for (const [i, table] of after.entries())
      for (const measure of ["kwh", "location", "market", "embodied", "water"] as const)
        expect(table[measure]).toBeCloseTo(before[i]![measure], 9);
  });

  it("rejects a payload that names another tenant's account, without retrying", async () => {
    const otherTenant = randomUUID();
    await database.owner.pool.query(
      "INSERT INTO tenants (id, name, slug) VALUES ($1, 'Other', $2)",
      [otherTenant, `other-${otherTenant}`],
    );
    failures.length = 0;
    await driver.enqueue("estimate-window", {
      tenantId: otherTenant,
      cloudAccountId: accounts[0]!,
      windowStart: windowStart.toISOString(),
      windowEnd: windowEnd.toISOString(),
    });
    await driver.drain();
    expect(failures).toEqual([
      {
        job: "estimate-window",
        message: `Cloud account ${accounts[0]} does not exist in organization ${otherTenant}`,
        willRetry: false,
      },
    ]);
    const leaked = await database.owner.pool.query(
      "SELECT count(*)::int AS n FROM emissions_hourly WHERE tenant_id = $1",
      [otherTenant],
    );
    expect(leaked.rows[0].n).toBe(0);
  });
});
