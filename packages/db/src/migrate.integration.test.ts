import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "./migrate";
import { createTestDatabase, type TestDatabase } from "./testing";

describe("migrations", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it("create every table on an empty database", async () => {
    const { rows } = await database.owner.pool.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'emissions_hourly_%' ORDER BY 1",
    );
    expect(rows.map((r) => r.tablename)).toEqual([
      "alert_deliveries",
      "alert_mutes",
      "alert_webhooks",
      "alerts",
      "allocation_rule_targets",
      "allocation_rules",
      "api_keys",
      "audit_log",
      "auth_accounts",
      "carbon_budgets",
      "cloud_accounts",
      "cost_centres",
      "data_changes_global",
      "emissions_daily",
      "emissions_hourly",
      "emissions_monthly",
      "functional_units",
      "gcp_catalog_prices",
      "grid_intensity_hourly",
      "grid_intensity_loads",
      "grid_intensity_superseded",
      "grid_marginal_hourly",
      "invitations",
      "memberships",
      "provider_reported_emissions",
      "rate_limits",
      "recommendation_findings",
      "recommendation_settings",
      "reduction_targets",
      "report_files",
      "reports",
      "resource_utilization_hourly",
      "saved_views",
      "sessions",
      "sync_runs",
      "tenant_data_changes",
      "tenants",
      "usage_hourly",
      "usage_superseded",
      "users",
      "utilization_runs",
      "verifications",
    ]);
  });

  it("are idempotent: applying them again changes nothing", async () => {
    const snapshot = async () =>
      (
        await database.owner.pool.query(
          `SELECT table_name, column_name, data_type FROM information_schema.columns
           WHERE table_schema = 'public' ORDER BY 1, 2`,
        )
      ).rows;
    const before = await snapshot();
    const applied = (
      await database.owner.pool.query("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations")
    ).rows[0];
    await migrate({
      ownerUrl: database.urls.owner,
      rolePrefix: database.rolePrefix,
      appPassword: "canopy-test-password",
    });
    expect(await snapshot()).toEqual(before);
    expect(
      (
        await database.owner.pool.query(
          "SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations",
        )
      ).rows[0],
    ).toEqual(applied);
  });

  it("partition emissions_hourly by month, with months ahead created", async () => {
    const { rows } = await database.owner.pool.query<{ name: string; bound: string }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'emissions_hourly'::regclass ORDER BY 1`,
    );
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1));
    const expectedName = `emissions_hourly_${next.toISOString().slice(0, 7).replace("-", "_")}`;
    expect(rows.map((r) => r.name)).toContain(expectedName);
    expect(rows.length).toBe(16);
    expect(rows[0]!.bound).toMatch(/^FOR VALUES FROM \('\d{4}-\d{2}-01 00:00:00\+00'\) TO/);
  });

  it("give the app and auth login roles neither superuser nor BYPASSRLS", async () => {
    const { rows } = await database.owner.pool.query(
      "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1",
      [[`${database.rolePrefix}_app`, `${database.rolePrefix}_auth`]],
    );
    expect(rows).toEqual([
      { rolname: `${database.rolePrefix}_app`, rolsuper: false, rolbypassrls: false },
      { rolname: `${database.rolePrefix}_auth`, rolsuper: false, rolbypassrls: false },
    ]);
  });
});
