import type { PoolClient } from "pg";
import type { Connection } from "../client";
import type { MemberRole } from "../member-roles";

/** api_keys: an organization's API keys (only the hash of each key is stored). */

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const columns = `id, name, key_prefix AS "keyPrefix", role::text, ${iso("created_at")} AS "createdAt",
  ${iso("last_used_at")} AS "lastUsedAt", ${iso("expires_at")} AS "expiresAt", ${iso("revoked_at")} AS "revokedAt"`;

export type ApiKeyRow = {
  id: string;
  name: string;
  keyPrefix: string;
  role: MemberRole;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
};

/** The tenant's keys, active first, newest first. */
export async function listApiKeyRows(client: PoolClient): Promise<ApiKeyRow[]> {
  const result = await client.query<ApiKeyRow>(
    `SELECT ${columns} FROM api_keys ORDER BY revoked_at IS NOT NULL, created_at DESC`,
  );
  return result.rows;
}

export async function insertApiKey(
  client: PoolClient,
  key: {
    tenantId: string;
    name: string;
    prefix: string;
    hash: string;
    role: MemberRole;
    createdByUserId: string | null;
    expiresInDays: number | null;
  },
): Promise<ApiKeyRow> {
  const result = await client.query<ApiKeyRow>(
    `INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, role, created_by_user_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7)) RETURNING ${columns}`,
    [
      key.tenantId,
      key.name,
      key.prefix,
      key.hash,
      key.role,
      key.createdByUserId,
      key.expiresInDays,
    ],
  );
  return result.rows[0]!;
}

/** Revokes the key (a revoked key keeps its first revocation time); undefined when there is none. */
export async function revokeApiKeyRow(
  client: PoolClient,
  id: string,
): Promise<ApiKeyRow | undefined> {
  const result = await client.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${columns}`,
    [id],
  );
  return result.rows[0];
}

export type ResolvedApiKey = {
  api_key_id: string;
  tenant_id: string;
  role: MemberRole;
  /** When the key has expired: its expiry, as "YYYY-MM-DD HH24:MI UTC". */
  expired_on: string | null;
};

/**
 * The key with this hash, through resolve_api_key() (security definer: the key's tenant is not known
 * yet, so no tenant transaction); undefined when unknown or revoked.
 */
export async function resolveApiKeyHash(
  app: Connection,
  keyHash: string,
): Promise<ResolvedApiKey | undefined> {
  const { rows } = await app.pool.query<ResolvedApiKey>(
    `SELECT k.api_key_id, k.tenant_id, k.role,
            CASE WHEN k.expires_at <= now() THEN to_char(k.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') END AS expired_on
     FROM resolve_api_key($1) k`,
    [keyHash],
  );
  return rows[0];
}

/** Records that the key was used now, in the caller's tenant transaction. */
export async function touchApiKey(client: PoolClient, apiKeyId: string): Promise<void> {
  await client.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [apiKeyId]);
}
