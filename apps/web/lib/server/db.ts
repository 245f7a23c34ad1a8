import "server-only";
import { connect, type Connection } from "@canopy/db";
import { serverEnv, serverUrls } from "./env";

// One pool per role for the life of the server process (kept across hot reloads in development).
const pools = globalThis as unknown as {
  canopyApp?: Connection;
  canopyAuth?: Connection;
  canopyOwner?: Connection;
  canopyRead?: Connection;
};

/** Tenant data: always used through withTenant, under row-level security. */
export const appDb = () =>
  (pools.canopyApp ??= connect(serverUrls().app, { applicationName: "canopy-web" }));
/**
 * The dashboard's emission reads: the read replica of DATABASE_READ_URL (as the app role, under
 * row-level security; up to its replay delay behind the primary), else the primary's app pool.
 */
export const readDb = () => {
  const url = serverEnv().DATABASE_READ_URL;
  if (!url) return appDb();
  return (pools.canopyRead ??= connect(url, { applicationName: "canopy-web-read" }));
};
/** Sign-in tables only (Better Auth). */
export const authDb = () =>
  (pools.canopyAuth ??= connect(serverUrls().auth, { max: 5, applicationName: "canopy-web-auth" }));
/**
 * The owner, for the jobs this process runs itself when REDIS_URL is unset (inline driver): their
 * partition DDL needs it (migration 0013). With REDIS_URL the worker runs every job and the web app
 * never connects as the owner.
 */
export const inlineJobsOwnerDb = () =>
  (pools.canopyOwner ??= connect(serverUrls().owner, {
    max: 2,
    applicationName: "canopy-web-jobs",
  }));
