import { loadConfig, type Env } from "@canopy/config";
import {
  keyringFromEnv,
  migrate,
  resolveDatabase,
  type Keyring,
  type ResolvedDatabase,
} from "@canopy/db";

export const log = (line: string) => process.stdout.write(`${line}\n`);

/** Configuration, database (embedded if DATABASE_URL is unset, migrated) and keyring for a command. */
export async function openRuntime(): Promise<{
  env: Env;
  database: ResolvedDatabase;
  keyring: Keyring;
}> {
  const env = loadConfig();
  const database = await resolveDatabase(env, log);
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
