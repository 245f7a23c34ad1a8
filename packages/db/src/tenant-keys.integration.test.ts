import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./testing";

/**
 * The keys of tenant-owned tables (every table with a tenant_id column), read from the catalog: no
 * foreign key between two of them leaves tenant_id out (so none can point into another organization),
 * and every primary or unique key includes tenant_id except the ones listed here, each with its reason.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

const tenantTables = `
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`;

describe("tenant-owned tables' keys", () => {
  it("have no foreign key between two of them without tenant_id on both sides", async () => {
    const { rows } = await database.owner.pool.query<{ reference: string }>(
      `SELECT f.conrelid::regclass || ' → ' || f.confrelid::regclass || ' (' || f.conname || ')' AS reference
       FROM pg_constraint f
       WHERE f.contype = 'f' AND f.conrelid IN (${tenantTables}) AND f.confrelid IN (${tenantTables})
         AND NOT EXISTS (
           SELECT 1 FROM unnest(f.conkey, f.confkey) AS k(col, ref)
           JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.col
           JOIN pg_attribute b ON b.attrelid = f.confrelid AND b.attnum = k.ref
           WHERE a.attname = 'tenant_id' AND b.attname = 'tenant_id')
       ORDER BY 1`,
    );
    expect(rows.map((r) => r.reference)).toEqual([]);
  });

  it("include tenant_id in every primary and unique key but the listed ones", async () => {
    const { rows } = await database.owner.pool.query<{ key: string }>(
      `SELECT t.relname || '(' || string_agg(a.attname, ', ' ORDER BY k.ord) || ')' AS key
       FROM pg_index x
       JOIN pg_class t ON t.oid = x.indrelid
       CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE (x.indisprimary OR x.indisunique) AND t.oid IN (${tenantTables})
       GROUP BY t.relname, x.indexrelid
       HAVING NOT bool_or(a.attname = 'tenant_id')
       ORDER BY 1`,
    );
    // The API key is looked up by its hash before the organization is known.
    const globalLookups = ["api_keys(key_hash)"];
    // Random uuid primary keys, unique across organizations; each also has a (tenant_id, id) unique
    // key where another table refers to it. Distributing by tenant_id (docs/scaling.md) turns them
    // into (tenant_id, id).
    const idKeys = [
      "alert_deliveries(id)",
      "alert_mutes(id)",
      "alert_webhooks(id)",
      "alerts(id)",
      "allocation_rules(id)",
      "api_keys(id)",
      "audit_log(id)",
      "carbon_budgets(id)",
      "cloud_accounts(id)",
      "cost_centres(id)",
      "functional_units(id)",
      "invitations(id)",
      "memberships(id)",
      "provider_reported_emissions(id)",
      "recommendation_findings(id)",
      "reduction_targets(id)",
      "report_files(report_id, format)",
      "reports(id)",
      "saved_views(id)",
      "sync_runs(id)",
      "utilization_runs(id)",
    ];
    expect(rows.map((r) => r.key)).toEqual([...globalLookups, ...idKeys].sort());
  });

  it("refuse a reference into another organization, which row-level security alone would not", async () => {
    const owner = database.owner.pool;
    const [a, b] = [randomUUID(), randomUUID()];
    for (const id of [a, b])
      await owner.query(
        "INSERT INTO tenants (id, name, slug) VALUES ($1::uuid, $1::text, $1::text)",
        [id],
      );
    const { rows } = await owner.query<{ id: string }>(
      "INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id) VALUES ($1, 'aws', 'B', '2') RETURNING id",
      [b],
    );
    await expect(
      owner.query(
        "INSERT INTO sync_runs (tenant_id, cloud_account_id, kind) VALUES ($1, $2, 'sync')",
        [a, rows[0]!.id],
      ),
    ).rejects.toThrow(/sync_runs_cloud_account_id_cloud_accounts_id_fk/);
    await owner.query(
      "INSERT INTO sync_runs (tenant_id, cloud_account_id, kind) VALUES ($1, $2, 'sync')",
      [b, rows[0]!.id],
    );
  });
});
