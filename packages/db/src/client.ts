import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Db = NodePgDatabase<Schema>;
/** A Drizzle handle bound to one transaction: what `withTenant` passes to its callback. */
export type Tx = Db;

// Postgres returns bigint (int8) as text; counts here fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Connection = {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
};

export function connect(
  url: string,
  options: { max?: number; applicationName?: string } = {},
): Connection {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "canopy",
    // Bulk writes stage rows in temporary tables; the 8 MB default makes them spill to disk early.
    // Allocated only by sessions that use temporary tables.
    options: "-c temp_buffers=256MB",
  });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  // A checked-out client has no listener of the pool's: a backend terminated between two queries of
  // a transaction (pg_terminate_backend, failover) would emit an unhandled 'error' and kill the
  // process. With this one the client is only marked unusable: the holder's next query rejects, its
  // job fails with that reason, and the pool discards the client on release.
  pool.on("connect", (client) => guardClient(client));
  return { pool, db: drizzle(pool, { schema }), close: () => pool.end() };
}

/**
 * Keeps a connection error on `client` from becoming an uncaught exception. pg emits 'error' on a
 * client whose connection breaks, even when a query is also rejected with it; without a listener that
 * ends the process. Every pg.Client this codebase makes goes through here (pools: connect() above).
 */
export function guardClient<C extends pg.ClientBase>(
  client: C,
  onError: (error: Error) => void = () => undefined,
): C {
  client.on("error", onError);
  return client;
}

/** Whether the database answers on this connection (throws with the driver's error otherwise). */
export async function pingDatabase(connection: Connection): Promise<void> {
  await connection.pool.query("SELECT 1");
}
