import { loadConfig, type Env } from "@canopy/config";
import {
  keyringFromEnv,
  migrate,
  resolveDatabase,
  tenantIdBySlug,
  type Connection,
  type Keyring,
  type ResolvedDatabase,
} from "@canopy/db";

export const log = (line: string) => process.stdout.write(`${line}\n`);
/** Status lines (which database, first-start setup) go to stderr, so a command's output can be piped. */
export const notice = (line: string) => process.stderr.write(`${line}\n`);

/** Configuration, database (embedded if DATABASE_URL is unset, migrated) and keyring for a command. */
export async function openRuntime(): Promise<{
  env: Env;
  database: ResolvedDatabase;
  keyring: Keyring;
}> {
  const env = loadConfig();
  const database = await resolveDatabase(env, notice);
  await migrate({
    ownerUrl: database.urls.owner,
    rolePrefix: env.CANOPY_DB_ROLE_PREFIX,
    appPassword: database.appPassword,
  });
  return { env, database, keyring: keyringFor(env) };
}

export function keyringFor(env: Env): Keyring {
  return keyringFromEnv(env, (message) => process.stderr.write(`warning: ${message}\n`));
}

/** The tenant id of an organization slug, or undefined after telling the user there is none. */
export async function tenantIdOfSlug(owner: Connection, slug: string): Promise<string | undefined> {
  const tenantId = await tenantIdBySlug(owner, slug);
  if (!tenantId) process.stderr.write(`canopy: no organization with slug "${slug}"\n`);
  return tenantId;
}
