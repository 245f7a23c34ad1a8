import "server-only";
import path from "node:path";
import { canopyHome, developmentSecret, loadConfig, type Env } from "@canopy/config";
import { databaseUrls, DEV_APP_PASSWORD, embeddedDatabaseUrl, type DatabaseUrls } from "@canopy/db";

// Resolved on first use, not at import: `next build` imports every route without a runtime environment.
const once = <T>(make: () => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

export const serverEnv = once((): Env => loadConfig());

/** The connection URLs; the owner's only for inline jobs (see inlineJobsOwnerDb). */
export const serverUrls = once((): DatabaseUrls => {
  const env = serverEnv();
  return databaseUrls({
    ownerUrl: env.DATABASE_URL ?? embeddedDatabaseUrl(env.CANOPY_EMBEDDED_PG_PORT),
    appUrl: env.DATABASE_APP_URL,
    authUrl: env.DATABASE_AUTH_URL,
    rolePrefix: env.CANOPY_DB_ROLE_PREFIX,
    appPassword: env.CANOPY_DB_APP_PASSWORD ?? DEV_APP_PASSWORD,
  });
});

export const publicUrl = once(
  () => serverEnv().CANOPY_PUBLIC_URL ?? `http://localhost:${serverEnv().PORT}`,
);

export const authSecret = once(
  () =>
    serverEnv().BETTER_AUTH_SECRET ??
    developmentSecret(path.join(canopyHome(serverEnv()), "auth-secret")),
);

export { once };
