import { sql } from "drizzle-orm";
import type { Connection, Tx } from "./client";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class InvalidTenantError extends Error {
  override name = "InvalidTenantError";
}

/**
 * Runs `fn` in a transaction with `app.tenant_id` set locally, so row-level security restricts every
 * statement to that tenant. The setting ends with the transaction; a pooled connection never keeps it.
 * `connection` must log in as the app role (no BYPASSRLS), or RLS does not apply.
 */
export async function withTenant<T>(
  connection: Connection,
  tenantId: string,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  if (!uuidPattern.test(tenantId))
    throw new InvalidTenantError(`Not a tenant id: ${JSON.stringify(tenantId)}`);
  return connection.db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.tenant_id', ${tenantId}, true)`);
    return fn(tx);
  });
}
