import type pg from "pg";
import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type LoginRoles = { app: string; auth: string };

export function loginRoleNames(prefix: string): LoginRoles {
  return { app: `${prefix}_app`, auth: `${prefix}_auth` };
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

const tablesOf = (values: Iterable<unknown>) =>
  [...values].filter((value): value is PgTable => is(value, PgTable)).map(getTableConfig);

const authTableNames = () => tablesOf(Object.values(schema.authTables)).map((table) => table.name);
const referenceTableNames = () =>
  tablesOf(Object.values(schema.referenceTables)).map((table) => table.name);
/** Tables the app role reads and writes: those with a tenant_id column (all under RLS). */
const tenantTableNames = () =>
  tablesOf(Object.values(schema))
    .filter((table) => table.columns.some((column) => column.name === "tenant_id"))
    .map((table) => table.name);

/**
 * Grants the group roles what they need on this database. Idempotent; run after every migration.
 * Partitions of emissions_hourly get no grant: the app role reaches them only through the parent.
 */
export async function grantTablePrivileges(owner: pg.Pool): Promise<void> {
  const statements = [
    "GRANT USAGE ON SCHEMA public TO canopy_app_role, canopy_auth_role",
    ...tenantTableNames().map(
      (name) => `GRANT SELECT, INSERT, UPDATE, DELETE ON ${quoteIdent(name)} TO canopy_app_role`,
    ),
    // Reference data shared by all tenants (grid intensity): read-only for the app role.
    ...referenceTableNames().map(
      (name) => `GRANT SELECT ON ${quoteIdent(name)} TO canopy_app_role`,
    ),
    // The app role reads tenants (its own row, by RLS) but never creates or deletes organizations.
    "GRANT SELECT, UPDATE ON tenants TO canopy_app_role",
    ...authTableNames().map(
      (name) => `GRANT SELECT, INSERT, UPDATE, DELETE ON ${quoteIdent(name)} TO canopy_auth_role`,
    ),
    "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO canopy_app_role, canopy_auth_role",
  ];
  for (const statement of statements) await owner.query(statement);
}

/**
 * Creates (or updates the password of) the login roles `<prefix>_app` and `<prefix>_auth` as members
 * of the group roles. Neither is a superuser or has BYPASSRLS.
 */
export async function ensureLoginRoles(
  owner: pg.Pool,
  prefix: string,
  password: string,
): Promise<LoginRoles> {
  const roles = loginRoleNames(prefix);
  for (const [login, group] of [
    [roles.app, "canopy_app_role"],
    [roles.auth, "canopy_auth_role"],
  ] as const) {
    const exists = await owner.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [login]);
    const verb = exists.rowCount ? "ALTER" : "CREATE";
    await owner.query(
      `${verb} ROLE ${quoteIdent(login)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${quoteLiteral(password)}`,
    );
    await owner.query(`GRANT ${group} TO ${quoteIdent(login)}`);
  }
  return roles;
}

/** Removes login roles made for a throwaway database (tests). */
export async function dropLoginRoles(
  owner: pg.Pool | pg.ClientBase,
  prefix: string,
): Promise<void> {
  const roles = loginRoleNames(prefix);
  for (const login of [roles.app, roles.auth]) {
    await owner.query(`DROP ROLE IF EXISTS ${quoteIdent(login)}`);
  }
}
