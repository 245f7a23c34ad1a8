import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate as runDrizzleMigrations } from "drizzle-orm/node-postgres/migrator";
import { connect } from "./client";
import { ensureLoginRoles, grantTablePrivileges, type LoginRoles } from "./roles";

export const migrationsFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../migrations",
);

// Serializes concurrent `migrate` runs against one database (two processes starting at once).
const MIGRATION_LOCK_ID = 727_001;

export type MigrateOptions = {
  /** URL of the owner role (it creates tables and roles). */
  ownerUrl: string;
  rolePrefix: string;
  appPassword: string;
};

/** Applies pending migrations, then (idempotently) login roles and grants. */
export async function migrate(options: MigrateOptions): Promise<LoginRoles> {
  const owner = connect(options.ownerUrl, { max: 2, applicationName: "canopy-migrate" });
  try {
    const client = await owner.pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
      await runDrizzleMigrations(owner.db, { migrationsFolder });
      const roles = await ensureLoginRoles(owner.pool, options.rolePrefix, options.appPassword);
      await grantTablePrivileges(owner.pool);
      return roles;
    } finally {
      await client
        .query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID])
        .catch(() => undefined);
      client.release();
    }
  } finally {
    await owner.close();
  }
}
