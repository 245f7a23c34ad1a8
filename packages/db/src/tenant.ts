import { drizzle } from "drizzle-orm/node-postgres";
import type { PoolClient } from "pg";
import type { Connection, Tx } from "./client";
import * as schema from "./schema";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class InvalidTenantError extends Error {
  override name = "InvalidTenantError";
}

/**
 * Runs `fn` in a transaction on one pooled client with `app.tenant_id` set locally, so row-level
 * security restricts every statement to that tenant. The setting ends with the transaction; a pooled
 * connection never keeps it. `connection` must log in as the app role (no BYPASSRLS), or RLS does not
 * apply. This raw-client form is for bulk paths (COPY); use `withTenant` otherwise.
 */
export async function withTenantClient<T>(
  connection: Connection,
  tenantId: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  if (!uuidPattern.test(tenantId)) {
    throw new InvalidTenantError(`Not a tenant id: ${JSON.stringify(tenantId)}`);
  }
  const client = await connection.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** `withTenantClient` with a Drizzle handle on the same transaction. */
export function withTenant<T>(
  connection: Connection,
  tenantId: string,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  return withTenantClient(connection, tenantId, (client) => fn(drizzle(client, { schema })));
}
