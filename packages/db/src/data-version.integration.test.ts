import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactTenantDataChanges, tenantDataVersion } from "./stores/data-version";
import { withTenantClient } from "./tenant";
import { createTestDatabase, type TestDatabase } from "./testing";

/** The emission read model's data version (migration 0029): what moves it, when, and for whom. */
describe("tenant data version", () => {
  let database: TestDatabase;
  const a = { tenantId: randomUUID(), cloudAccountId: randomUUID() };
  const b = { tenantId: randomUUID(), cloudAccountId: randomUUID() };
  const version = (tenantId: string) =>
    withTenantClient(database.app, tenantId, (client) => tenantDataVersion(client));
  // The organization's own part of its version (`<its changes>.<changes without an organization>`).
  const own = async (tenantId: string) => BigInt((await version(tenantId)).split(".")[0]!);
  let day = 0;
  const insertDaily = (ids: typeof a) => ({
    text: `INSERT INTO emissions_daily (tenant_id, day, cloud_account_id, provider, service, region, kind, kwh_it,
             kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, methodology_version)
           VALUES ($1, date '2025-01-01' + $3::int, $2, 'aws', 'AmazonEC2', 'us-east-1', 'compute', 1, 1.1, 0.44, 0.2,
             0.01, 0.2, 'test')`,
    values: [ids.tenantId, ids.cloudAccountId, day++],
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const ids of [a, b]) {
      await database.owner.pool.query(
        "INSERT INTO tenants (id, name, slug) VALUES ($1::uuid, $1::text, $1::text)",
        [ids.tenantId],
      );
      await database.owner.pool.query(
        "INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id) VALUES ($1, $2, 'aws', 'Main', '1')",
        [ids.cloudAccountId, ids.tenantId],
      );
    }
  });
  afterAll(async () => database?.drop());

  it("moves with each committed write of the organization's emission inputs, and only its own", async () => {
    const [beforeA, beforeB] = [await own(a.tenantId), await version(b.tenantId)];
    await withTenantClient(database.app, a.tenantId, async (client) => {
      const row = insertDaily(a);
      await client.query(row.text, row.values);
      await client.query("UPDATE cloud_accounts SET display_name = 'Prod'");
    });
    expect((await own(a.tenantId)) - beforeA).toBe(2n);
    expect(await version(b.tenantId)).toBe(beforeB);
    // A read of a table outside the read model's inputs leaves it where it was.
    await withTenantClient(database.app, a.tenantId, (client) =>
      client.query("SELECT count(*) FROM emissions_daily"),
    );
    expect((await own(a.tenantId)) - beforeA).toBe(2n);
  });

  it("is not moved by a writer until it commits, and writers of one organization never wait for each other", async () => {
    const before = await own(a.tenantId);
    const slow = await database.app.pool.connect();
    try {
      await slow.query("BEGIN");
      await slow.query("SELECT set_config('app.tenant_id', $1, true)", [a.tenantId]);
      const row = insertDaily(a);
      await slow.query(row.text, row.values);
      expect(await own(a.tenantId)).toBe(before);
      // A second writer of the same organization commits while the first is still open.
      await withTenantClient(database.app, a.tenantId, async (client) => {
        await client.query("SET LOCAL lock_timeout = '1s'");
        const other = insertDaily(a);
        await client.query(other.text, other.values);
      });
      expect((await own(a.tenantId)) - before).toBe(1n);
      await slow.query("COMMIT");
    } finally {
      slow.release();
    }
    expect((await own(a.tenantId)) - before).toBe(2n);
  });

  it("moves every organization's version on a write made without one (owner maintenance), with one counter", async () => {
    const [beforeA, beforeB] = [await version(a.tenantId), await version(b.tenantId)];
    const rows = () =>
      database.owner.pool
        .query<{ n: number }>("SELECT count(*)::int AS n FROM tenant_data_changes")
        .then((r) => r.rows[0]!.n);
    const changeRows = await rows();
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET display_name = display_name WHERE id = $1",
      [b.cloudAccountId],
    );
    expect(await version(a.tenantId)).not.toBe(beforeA);
    expect(await version(b.tenantId)).not.toBe(beforeB);
    expect(await rows()).toBe(changeRows);
    // The app role with no organization set: RLS leaves the statement no rows, and it still counts.
    await database.app.pool.query("UPDATE cloud_accounts SET display_name = display_name");
    expect(await rows()).toBe(changeRows);
  });

  it("keeps the version when the change rows are folded into one", async () => {
    const before = await version(a.tenantId);
    const rows = () =>
      database.owner.pool
        .query<{ n: number }>(
          "SELECT count(*)::int AS n FROM tenant_data_changes WHERE tenant_id = $1",
          [a.tenantId],
        )
        .then((r) => r.rows[0]!.n);
    const many = await rows();
    expect(many).toBeGreaterThan(1);
    const folded = await withTenantClient(database.app, a.tenantId, compactTenantDataChanges);
    expect(folded).toBe(many);
    expect(await rows()).toBe(1);
    expect(await version(a.tenantId)).toBe(before);
    // Folding one row again changes nothing.
    expect(await withTenantClient(database.app, a.tenantId, compactTenantDataChanges)).toBe(0);
    expect(await version(a.tenantId)).toBe(before);
  });

  it("is gone with its organization", async () => {
    await database.owner.pool.query("DELETE FROM tenants WHERE id = $1", [b.tenantId]);
    const { rows } = await database.owner.pool.query(
      "SELECT 1 FROM tenant_data_changes WHERE tenant_id = $1",
      [b.tenantId],
    );
    expect(rows).toEqual([]);
  });
});
