import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./testing";

/**
 * Migration 0012 merges cloud accounts whose provider ids were stored in another spelling; the same
 * function (merge_duplicate_cloud_accounts) runs here on data written the old way.
 */
describe("merging duplicate account identities", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it("renames or merges accounts, keeps overlapping usage as a previous version and leaves locked reports alone", async () => {
    const db = database.owner.pool;
    const tenant = (
      await db.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ('M', 'm') RETURNING id",
      )
    ).rows[0]!.id;
    const account = async (provider: string, providerAccountId: string) =>
      (
        await db.query<{ id: string }>(
          `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id)
           VALUES ($1, $2, $3, $4) RETURNING id`,
          [tenant, provider, `Account ${providerAccountId}`, providerAccountId],
        )
      ).rows[0]!.id;
    const guid = "64e355d7-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
    const native = await account("azure", guid);
    const focus = await account("azure", `/subscriptions/${guid.toUpperCase()}`);
    const shortAws = await account("aws", "12345678901");
    const usage = (accountId: string, hour: string, quantity: number) =>
      db.query(
        `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, unit, quantity, cost_amount, shape_key, source_kind)
         VALUES ($1, $2, $3, $4, 'azure', 'Virtual Machines', 'westeurope', 'compute', 'vcpu-hours', $5::float8, $5::numeric, 's', 'azure')`,
        [tenant, accountId, hour, randomUUID(), quantity],
      );
    await usage(native, "2026-03-01T00:00:00Z", 10);
    await usage(focus, "2026-03-01T05:00:00Z", 10); // the same day through FOCUS: counted twice before
    await usage(focus, "2026-03-02T00:00:00Z", 7); // a day only the FOCUS file had
    const locked = randomUUID();
    const draft = randomUUID();
    await db.query(
      `INSERT INTO reports (id, tenant_id, period_start, period_end, status, version, boundary_key, boundary_account_ids)
       VALUES ($1, $3, '2026-03-01', '2026-03-31', 'final', 1, 'b', ARRAY[$4::uuid]),
              ($2, $3, '2026-03-01', '2026-03-31', 'draft', 2, 'b', ARRAY[$4::uuid])`,
      [locked, draft, tenant, focus],
    );

    const merged = await db.query<{ n: number }>("SELECT merge_duplicate_cloud_accounts() AS n");
    expect(merged.rows[0]!.n).toBe(1);

    const accounts = await db.query<{ id: string; provider: string; pid: string }>(
      "SELECT id, provider, provider_account_id AS pid FROM cloud_accounts WHERE tenant_id = $1 ORDER BY provider",
      [tenant],
    );
    expect(accounts.rows).toEqual([
      { id: shortAws, provider: "aws", pid: "012345678901" },
      { id: native, provider: "azure", pid: guid },
    ]);
    const counted = await db.query<{ day: string; quantity: number }>(
      `SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, sum(quantity)::float8 AS quantity
       FROM usage_hourly WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
      [tenant],
    );
    expect(counted.rows).toEqual([
      { day: "2026-03-01", quantity: 10 },
      { day: "2026-03-02", quantity: 7 },
    ]);
    const kept = await db.query("SELECT cloud_account_id, reason, quantity FROM usage_superseded");
    expect(kept.rows).toEqual([{ cloud_account_id: native, reason: "merged", quantity: 10 }]);
    const reports = await db.query<{ id: string; ids: string[] }>(
      "SELECT id, boundary_account_ids AS ids FROM reports ORDER BY version",
    );
    expect(reports.rows).toEqual([
      { id: locked, ids: [focus] },
      { id: draft, ids: [native] },
    ]);
    const audit = await db.query("SELECT action, target_id FROM audit_log WHERE tenant_id = $1", [
      tenant,
    ]);
    expect(audit.rows).toEqual([{ action: "account.merge", target_id: native }]);
  });
});
