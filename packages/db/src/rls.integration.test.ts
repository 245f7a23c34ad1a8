import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "./tenant";
import { createTestDatabase, type TestDatabase } from "./testing";

/**
 * Row-level security, table by table. The tables come from the database catalog (every relation with
 * a tenant_id column, plus tenants itself), so a new tenant-owned table without a policy, or without
 * a row builder below, fails this suite.
 */
type Ids = { tenantId: string; cloudAccountId: string; userId: string };
type RowSql = { text: string; values: unknown[] };

const hour = `${new Date().toISOString().slice(0, 13)}:00:00Z`;
const rowBuilders: Record<string, (ids: Ids) => RowSql> = {
  tenant_data_changes: (ids) => ({
    text: "INSERT INTO tenant_data_changes (tenant_id) VALUES ($1)",
    values: [ids.tenantId],
  }),
  memberships: (ids) => ({
    text: "INSERT INTO memberships (id, tenant_id, user_id, role) VALUES ($1, $2, $3, 'analyst')",
    values: [randomUUID(), ids.tenantId, ids.userId],
  }),
  invitations: (ids) => ({
    text: "INSERT INTO invitations (id, tenant_id, email, inviter_id, expires_at) VALUES ($1, $2, $3, $4, now() + interval '1 day')",
    values: [randomUUID(), ids.tenantId, `${randomUUID()}@example.com`, ids.userId],
  }),
  api_keys: (ids) => ({
    text: "INSERT INTO api_keys (id, tenant_id, name, key_prefix, key_hash) VALUES ($1, $2, 'ci', 'cnp_1234', $3)",
    values: [randomUUID(), ids.tenantId, randomUUID()],
  }),
  cloud_accounts: (ids) => ({
    text: "INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id) VALUES ($1, $2, 'aws', 'Prod', $3)",
    values: [randomUUID(), ids.tenantId, randomUUID()],
  }),
  sync_runs: (ids) => ({
    text: "INSERT INTO sync_runs (id, tenant_id, cloud_account_id, kind) VALUES ($1, $2, $3, 'sync')",
    values: [randomUUID(), ids.tenantId, ids.cloudAccountId],
  }),
  usage_hourly: (ids) => ({
    text: `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, unit, quantity, shape_key)
           VALUES ($1, $2, $3, $4, 'aws', 'AmazonEC2', 'us-east-1', 'compute', 'vcpu-hours', 4, 'shape')`,
    values: [ids.tenantId, ids.cloudAccountId, hour, randomUUID()],
  }),
  usage_superseded: (ids) => ({
    text: `INSERT INTO usage_superseded (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, unit, quantity, shape_key, reason)
           VALUES ($1, $2, $3, $4, 'aws', 'AmazonEC2', 'us-east-1', 'compute', 'vcpu-hours', 4, 'shape', 'replaced')`,
    values: [ids.tenantId, ids.cloudAccountId, hour, randomUUID()],
  }),
  emissions_hourly: (ids) => ({
    text: `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, pue,
             grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, methodology_version)
           VALUES ($1, $2, $3, $4, 'aws', 'AmazonEC2', 'us-east-1', 'compute', 1.1, 400, 1, 1.1, 0.44, 0.2, 0.01, 0.2, 'test')`,
    values: [ids.tenantId, ids.cloudAccountId, hour, randomUUID()],
  }),
  emissions_daily: (ids) => ({
    text: `INSERT INTO emissions_daily (tenant_id, day, cloud_account_id, provider, service, region, kind, kwh_it, kwh_facility,
             co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, methodology_version)
           VALUES ($1, '2025-06-01', $2, 'aws', $3, 'us-east-1', 'compute', 1, 1.1, 0.44, 0.2, 0.01, 0.2, 'test')`,
    values: [ids.tenantId, ids.cloudAccountId, randomUUID()],
  }),
  emissions_monthly: (ids) => ({
    text: `INSERT INTO emissions_monthly (tenant_id, month, cloud_account_id, provider, service, region, kind, kwh_it, kwh_facility,
             co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, methodology_version)
           VALUES ($1, '2025-06-01', $2, 'aws', $3, 'us-east-1', 'compute', 1, 1.1, 0.44, 0.2, 0.01, 0.2, 'test')`,
    values: [ids.tenantId, ids.cloudAccountId, randomUUID()],
  }),
  reports: (ids) => ({
    text: "INSERT INTO reports (id, tenant_id, period_start, period_end) VALUES ($1, $2, '2025-06-01', '2025-06-30')",
    values: [randomUUID(), ids.tenantId],
  }),
  report_files: (ids) => ({
    text: `WITH r AS (INSERT INTO reports (id, tenant_id, period_start, period_end) VALUES ($1, $2, '2025-07-01', '2025-08-01') RETURNING id)
           INSERT INTO report_files (tenant_id, report_id, format, file_name, content_type, content, sha256, bytes)
           SELECT $2, r.id, 'csv', 'r.csv', 'text/csv', '\\x00'::bytea, 'x', 1 FROM r`,
    values: [randomUUID(), ids.tenantId],
  }),
  provider_reported_emissions: (ids) => ({
    text: `INSERT INTO provider_reported_emissions (tenant_id, cloud_account_id, provider, provider_account_id, month, scope, co2e_kg, source)
           VALUES ($1, $2, 'aws', '123456789012', '2025-06-01', 'scope2-location', 12.5, 'test')`,
    values: [ids.tenantId, ids.cloudAccountId],
  }),
  carbon_budgets: (ids) => ({
    text: "INSERT INTO carbon_budgets (tenant_id, name, period, basis, budget_co2e_kg) VALUES ($1, 'Org', 'month', 'location', 1000)",
    values: [ids.tenantId],
  }),
  alerts: (ids) => ({
    text: `INSERT INTO alerts (tenant_id, kind, scope_type, scope_label, basis, day, co2e_kg, baseline_co2e_kg, dedupe_key)
           VALUES ($1, 'spike', 'organization', 'Organization', 'location', '2025-06-01', 200, 100, $2)`,
    values: [ids.tenantId, randomUUID()],
  }),
  alert_mutes: (ids) => ({
    text: "INSERT INTO alert_mutes (tenant_id, kind, scope_type, scope_key) VALUES ($1, 'spike', 'service', $2)",
    values: [ids.tenantId, randomUUID()],
  }),
  alert_webhooks: (ids) => ({
    text: "INSERT INTO alert_webhooks (tenant_id, name, url, secret_ciphertext, secret_key_id) VALUES ($1, 'Slack', 'https://hooks.example.com/x', 'c', 'k')",
    values: [ids.tenantId],
  }),
  alert_deliveries: (ids) => ({
    text: `WITH a AS (INSERT INTO alerts (tenant_id, kind, scope_type, scope_label, basis, day, co2e_kg, baseline_co2e_kg, dedupe_key)
             VALUES ($1, 'spike', 'organization', 'Organization', 'location', '2025-06-02', 200, 100, $2) RETURNING id)
           INSERT INTO alert_deliveries (tenant_id, alert_id, channel, target) SELECT $1, a.id, 'email', 'a@example.com' FROM a`,
    values: [ids.tenantId, randomUUID()],
  }),
  reduction_targets: (ids) => ({
    text: "INSERT INTO reduction_targets (tenant_id, basis, base_year, target_year, reduction_percent) VALUES ($1, $2, 2024, 2030, 25.2)",
    values: [ids.tenantId, "location"],
  }),
  resource_utilization_hourly: (ids) => ({
    text: "INSERT INTO resource_utilization_hourly (tenant_id, cloud_account_id, hour, resource_id, region, instance_type, cpu_utilization, source) VALUES ($1, $2, '2025-06-01T00:00:00Z', $3, 'us-east-1', 'm5.large', 0.25, 'aws-cloudwatch')",
    values: [ids.tenantId, ids.cloudAccountId, `i-${randomUUID()}`],
  }),
  utilization_runs: (ids) => ({
    text: "INSERT INTO utilization_runs (tenant_id, cloud_account_id, window_start, window_end, source) VALUES ($1, $2, '2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z', 'aws-cloudwatch')",
    values: [ids.tenantId, ids.cloudAccountId],
  }),
  saved_views: (ids) => ({
    text: "INSERT INTO saved_views (tenant_id, user_id, name, query) VALUES ($1, $2, $3, 'provider=aws')",
    values: [ids.tenantId, ids.userId, `view ${randomUUID()}`],
  }),
  cost_centres: (ids) => ({
    text: "INSERT INTO cost_centres (tenant_id, name) VALUES ($1, $2)",
    values: [ids.tenantId, `customer ${randomUUID()}`],
  }),
  allocation_rules: (ids) => ({
    text: `INSERT INTO allocation_rules (tenant_id, position, tag_key, tag_value, split)
           SELECT $1, coalesce(max(position), 0) + 1, 'team', 'web', 'fixed' FROM allocation_rules WHERE tenant_id = $1`,
    values: [ids.tenantId],
  }),
  allocation_rule_targets: (ids) => ({
    text: `WITH c AS (INSERT INTO cost_centres (tenant_id, name) VALUES ($1, $2) RETURNING id),
                r AS (INSERT INTO allocation_rules (tenant_id, position, split) VALUES ($1, $3, 'fixed') RETURNING id)
           INSERT INTO allocation_rule_targets (tenant_id, rule_id, cost_centre_id, weight) SELECT $1, r.id, c.id, 2 FROM r, c`,
    values: [ids.tenantId, `customer ${randomUUID()}`, Math.floor(Math.random() * 1e9) + 1000],
  }),
  functional_units: (ids) => ({
    text: "INSERT INTO functional_units (tenant_id, tag_key, tag_value, period_start, period_end, unit_name, unit_count) VALUES ($1, 'app', $2, '2025-06-01', '2025-07-01', 'requests', 1000)",
    values: [ids.tenantId, randomUUID()],
  }),
  recommendation_findings: (ids) => ({
    text: `INSERT INTO recommendation_findings (tenant_id, rule_id, resource_key, resources, action, how_to,
             co2e_location_saved_kg_per_month, co2e_market_saved_kg_per_month, water_saved_l_per_month, confidence,
             confidence_reason, basis_month, basis_co2e_location_kg_per_month, basis_co2e_market_kg_per_month,
             methodology_version, measure_scope)
           VALUES ($1, 'region-move', $2, '{}', 'Move', 'How', 1, 1, 1, 'low', 'test', '2025-06-01', 2, 2, 'test', '{}')`,
    values: [ids.tenantId, randomUUID()],
  }),
  recommendation_settings: (ids) => ({
    text: "INSERT INTO recommendation_settings (tenant_id, allowed_continents) VALUES ($1, '{EU}')",
    values: [ids.tenantId],
  }),
  audit_log: (ids) => ({
    text: "INSERT INTO audit_log (tenant_id, actor_label, action, target_type) VALUES ($1, 'a@example.com', 'member.add', 'membership')",
    values: [ids.tenantId],
  }),
};

describe("row-level security", () => {
  let database: TestDatabase;
  let tenantTables: { table: string; column: string }[];
  const a: Ids = { tenantId: randomUUID(), cloudAccountId: randomUUID(), userId: randomUUID() };
  const b: Ids = { tenantId: randomUUID(), cloudAccountId: randomUUID(), userId: randomUUID() };

  beforeAll(async () => {
    database = await createTestDatabase();
    const owner = database.owner.pool;
    const { rows } = await owner.query<{ table: string; column: string }>(
      `SELECT c.relname AS table, CASE WHEN c.relname = 'tenants' THEN 'id' ELSE 'tenant_id' END AS column
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND (c.relname = 'tenants' OR EXISTS (
           SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
       ORDER BY 1`,
    );
    tenantTables = rows;
    for (const ids of [a, b]) {
      await owner.query("INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $2)", [
        ids.tenantId,
        `t-${ids.tenantId}`,
      ]);
      await owner.query("INSERT INTO users (id, name, email) VALUES ($1, 'U', $2)", [
        ids.userId,
        `${ids.userId}@example.com`,
      ]);
      await owner.query(
        "INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id) VALUES ($1, $2, 'aws', 'Main', '1')",
        [ids.cloudAccountId, ids.tenantId],
      );
      for (const [table, build] of Object.entries(rowBuilders)) {
        if (table === "cloud_accounts") continue;
        const row = build(ids);
        await owner.query(row.text, row.values);
      }
    }
  });
  afterAll(async () => database?.drop());

  it("covers every tenant-owned table in the catalog", () => {
    const covered = new Set(["tenants", ...Object.keys(rowBuilders)]);
    expect(tenantTables.length).toBeGreaterThanOrEqual(12);
    expect(tenantTables.map((t) => t.table).filter((table) => !covered.has(table))).toEqual([]);
  });

  it("has RLS enabled with a tenant policy for the app role on each of them", async () => {
    const { rows } = await database.owner.pool.query<{
      table: string;
      rls: boolean;
      policies: string[] | null;
    }>(
      `SELECT c.relname AS table, c.relrowsecurity AS rls,
              (SELECT array_agg(pg_get_expr(p.polqual, p.polrelid)) FROM pg_policy p
                WHERE p.polrelid = c.oid AND 'canopy_app_role'::regrole = ANY(p.polroles)) AS policies
       FROM pg_class c WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace ORDER BY 1`,
      [tenantTables.map((t) => t.table)],
    );
    for (const row of rows) {
      const column = row.table === "tenants" ? "id" : "tenant_id";
      expect({ table: row.table, rls: row.rls, policies: row.policies }).toEqual({
        table: row.table,
        rls: true,
        policies: [`(${column} = ( SELECT current_tenant_id() AS current_tenant_id))`],
      });
    }
  });

  it("shows tenant A only its own rows, and none of B's", async () => {
    for (const { table, column } of tenantTables) {
      const counts = await withTenantClient(database.app, a.tenantId, async (client) => {
        const result = await client.query(
          `SELECT count(*) FILTER (WHERE ${column} = $1)::int AS own, count(*) FILTER (WHERE ${column} <> $1)::int AS other FROM ${table}`,
          [a.tenantId],
        );
        return result.rows[0];
      });
      expect({ table, ...counts }).toEqual({ table, own: expect.any(Number), other: 0 });
      expect(counts.own, table).toBeGreaterThan(0);
    }
  });

  it("refuses to update, delete or insert B's rows as tenant A", async () => {
    for (const { table, column } of tenantTables) {
      const client = await database.app.pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT set_config('app.tenant_id', $1, true)", [a.tenantId]);
        const updated = await client.query(
          `UPDATE ${table} SET ${column} = ${column} WHERE ${column} = $1`,
          [b.tenantId],
        );
        const deleted =
          table === "tenants"
            ? { rowCount: 0 }
            : await client.query(`DELETE FROM ${table} WHERE ${column} = $1`, [b.tenantId]);
        expect({ table, updated: updated.rowCount, deleted: deleted.rowCount }).toEqual({
          table,
          updated: 0,
          deleted: 0,
        });

        // Moving an own row to B violates the policy's WITH CHECK.
        await client.query("SAVEPOINT move");
        await expect(
          client.query(`UPDATE ${table} SET ${column} = $1 WHERE ${column} = $2`, [
            b.tenantId,
            a.tenantId,
          ]),
          table,
        ).rejects.toThrow(/row-level security|permission denied|violates foreign key/);
        await client.query("ROLLBACK TO SAVEPOINT move");

        const build = rowBuilders[table];
        if (build) {
          await client.query("SAVEPOINT insert");
          const row = build(b);
          await expect(client.query(row.text, row.values), table).rejects.toThrow(
            /row-level security/,
          );
          await client.query("ROLLBACK TO SAVEPOINT insert");
        }
      } finally {
        await client.query("ROLLBACK");
        client.release();
      }
    }
    // Nothing of B's changed.
    for (const { table, column } of tenantTables) {
      const { rows } = await database.owner.pool.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`,
        [b.tenantId],
      );
      expect(rows[0].n, table).toBeGreaterThan(0);
    }
  });

  it("shows no rows at all when no tenant is set", async () => {
    for (const { table } of tenantTables) {
      const { rows } = await database.app.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });

  it("keeps emissions partitions out of the app role's reach", async () => {
    const { rows } = await database.owner.pool.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'emissions_hourly'::regclass LIMIT 1",
    );
    await expect(database.app.pool.query(`SELECT * FROM ${rows[0]!.name}`)).rejects.toThrow(
      /permission denied/,
    );
  });

  it("lets the app role read the shared reference tables but never write them", async () => {
    const { rows } = await database.owner.pool.query<{ table: string }>(
      `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
         AND (c.relname LIKE 'grid_intensity%' OR c.relname LIKE 'grid_marginal%'
              OR c.relname = 'gcp_catalog_prices' OR c.relname = 'data_changes_global')
       ORDER BY 1`,
    );
    expect(rows.map((row) => row.table)).toEqual([
      "data_changes_global",
      "gcp_catalog_prices",
      "grid_intensity_hourly",
      "grid_intensity_loads",
      "grid_intensity_superseded",
      "grid_marginal_hourly",
    ]);
    const loadId = randomUUID();
    await database.owner.pool.query(
      `INSERT INTO grid_intensity_hourly (zone, hour, boundary, source, source_version, g_co2e_per_kwh, load_id)
       VALUES ('DE', '2025-01-01T00:00:00Z', 'lifecycle', 'test', 'v1', 380, $1)`,
      [loadId],
    );
    for (const { table } of rows) {
      await expect(database.app.pool.query(`SELECT count(*) FROM ${table}`)).resolves.toBeDefined();
      await expect(database.app.pool.query(`DELETE FROM ${table}`), table).rejects.toThrow(
        /permission denied/,
      );
    }
    await expect(
      database.app.pool.query(
        `UPDATE grid_intensity_hourly SET g_co2e_per_kwh = 0 WHERE zone = 'DE'`,
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(
      database.owner.pool.query(
        `INSERT INTO grid_intensity_hourly (zone, hour, boundary, source, source_version, g_co2e_per_kwh, load_id)
         VALUES ('DE', '2025-01-01T01:00:00Z', 'lifecycle', 'test', 'v1', 2500, $1)`,
        [loadId],
      ),
    ).rejects.toThrow(/grid_intensity_hourly_range/);
  });

  it("does not let the sign-in role read tenant data", async () => {
    await expect(database.auth.pool.query("SELECT * FROM usage_hourly")).rejects.toThrow(
      /permission denied/,
    );
    await expect(database.auth.pool.query("SELECT * FROM cloud_accounts")).rejects.toThrow(
      /permission denied/,
    );
  });
});
