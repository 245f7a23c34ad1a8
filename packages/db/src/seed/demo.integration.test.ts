import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "better-auth/crypto";
import { createTestDatabase, type TestDatabase } from "../testing";
import { withTenant, withTenantClient } from "../tenant";
import { DEMO_EMAIL, DEMO_PASSWORD, seedDemoOrganization } from "./demo";
import { sql } from "drizzle-orm";
import { readFileSync } from "node:fs";
import path from "node:path";
import { migrationsFolder } from "../migrate";
import { importRunRow } from "../stores/sync-runs";

describe("demo seed", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it("creates 13 months of usage on three clouds, and a second run adds nothing", async () => {
    const now = new Date("2026-11-23T15:30:00Z");
    const first = await seedDemoOrganization(database.owner, now);
    expect(first.created).toBe(true);
    // 7 AWS + 4 GCP hourly series over 13 months, 4 Azure daily series.
    const hours = (first.windowEnd.getTime() - first.windowStart.getTime()) / 3_600_000;
    // 2025-10-23T00:00Z to 2026-11-23T15:00Z: 396 days and 15 hours.
    expect(hours).toBe(396 * 24 + 15);
    expect(first.usageRows).toBe(11 * hours + 4 * Math.ceil(hours / 24));

    const stats = await withTenant(database.app, first.tenantId, async (tx) => {
      const result = await tx.execute(sql`
        SELECT provider::text, count(*)::int AS rows, count(DISTINCT region)::int AS regions, count(DISTINCT service)::int AS services,
               min(hour) AS first, max(hour) AS last FROM usage_hourly GROUP BY provider ORDER BY provider`);
      return result.rows;
    });
    expect(stats.map((s) => [s.provider, Number(s.regions) >= 2, Number(s.services) >= 2])).toEqual(
      [
        ["aws", true, true],
        ["azure", true, true],
        ["gcp", true, true],
      ],
    );

    // Growth: the last full month uses more than the first full month.
    const monthly = await database.owner.pool.query<{ month: string; q: number }>(
      `SELECT to_char(date_trunc('month', hour), 'YYYY-MM') AS month, sum(quantity) AS q FROM usage_hourly
       WHERE service = 'AmazonEC2' AND kind = 'compute' GROUP BY 1 ORDER BY 1`,
    );
    expect(monthly.rows.at(-2)!.q).toBeGreaterThan(monthly.rows[1]!.q * 1.2);
    // Weekly pattern: weekday compute above weekend compute.
    const week = await database.owner.pool.query<{ weekend: boolean; avg: number }>(
      `SELECT extract(isodow FROM hour) >= 6 AS weekend, avg(quantity) AS avg FROM usage_hourly
       WHERE service = 'AmazonEC2' AND region = 'us-east-1' AND kind = 'compute' GROUP BY 1 ORDER BY 1`,
    );
    expect(week.rows[0]!.avg).toBeGreaterThan(week.rows[1]!.avg);

    const again = await seedDemoOrganization(database.owner, new Date("2026-11-24T15:30:00Z"));
    expect(again).toMatchObject({ created: false, tenantId: first.tenantId, usageRows: 0 });
    const count = await database.owner.pool.query("SELECT count(*)::int AS n FROM usage_hourly");
    expect(count.rows[0].n).toBe(first.usageRows);
  });

  it("records its run as an import summary readers parse, as migration 0028 does for earlier seeds", async () => {
    const { rows } = await database.owner.pool.query<{ id: string; tenantId: string }>(
      `SELECT id, tenant_id AS "tenantId" FROM sync_runs WHERE kind = 'import'`,
    );
    expect(rows).toHaveLength(1);
    const { id, tenantId } = rows[0]!;
    const read = () =>
      withTenantClient(database.app, tenantId, (client) => importRunRow(client, id));
    const seeded = (await read())!;
    expect(seeded.details).toMatchObject({ fileKey: "", bytes: 0, sourceKind: "demo" });
    const usage = await database.owner.pool.query<{ n: number; cost: number }>(
      "SELECT count(*)::int AS n, sum(cost_amount)::float8 AS cost FROM usage_hourly WHERE sync_run_id = $1",
      [id],
    );
    expect(seeded.details!.usageRowsWritten).toBe(usage.rows[0]!.n);
    expect(seeded.details!.costTotal).toBeCloseTo(usage.rows[0]!.cost, 6);

    // An earlier seed's details: unreadable as an import summary until the migration rewrites them.
    await database.owner.pool.query(
      `UPDATE sync_runs SET details = '{"source":"demo seed"}' WHERE id = $1`,
      [id],
    );
    await expect(read()).rejects.toThrow(
      /sync_runs.details of import .* is not what its schema declares/,
    );
    await database.owner.pool.query(
      readFileSync(path.join(migrationsFolder, "0028_demo_seed_import_summary.sql"), "utf8"),
    );
    const migrated = (await read())!;
    expect(migrated.details).toEqual(seeded.details);
  });

  it("stores a password hash the demo password verifies against", async () => {
    const { rows } = await database.owner.pool.query(
      "SELECT a.password FROM auth_accounts a JOIN users u ON u.id = a.user_id WHERE u.email = $1",
      [DEMO_EMAIL],
    );
    expect(rows[0].password).not.toContain(DEMO_PASSWORD);
    expect(await verifyPassword({ hash: rows[0].password, password: DEMO_PASSWORD })).toBe(true);
  });
});
