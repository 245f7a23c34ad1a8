import "server-only";
import { connect, type Connection } from "@canopy/db";
import { serverUrls } from "./env";

// One pool per role for the life of the server process (kept across hot reloads in development).
const pools = globalThis as unknown as { canopyApp?: Connection; canopyAuth?: Connection };

/** Tenant data: always used through withTenant, under row-level security. */
export const appDb = () =>
  (pools.canopyApp ??= connect(serverUrls().app, { applicationName: "canopy-web" }));
/** Sign-in tables only (Better Auth). */
export const authDb = () =>
  (pools.canopyAuth ??= connect(serverUrls().auth, { max: 5, applicationName: "canopy-web-auth" }));
