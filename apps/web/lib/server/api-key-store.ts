import "server-only";
import type { PoolClient } from "@canopy/db";
import { hasRole, type RoleName } from "../role-rank";
import { generateApiKey } from "./api-keys";
import { ApiError, notFound } from "./api-error";
import { writeAudit } from "./audit";
import type { Principal } from "./principal";

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const columns = `id, name, key_prefix AS "keyPrefix", role::text, ${iso("created_at")} AS "createdAt",
  ${iso("last_used_at")} AS "lastUsedAt", ${iso("expires_at")} AS "expiresAt", ${iso("revoked_at")} AS "revokedAt"`;

export type ApiKeyRow = {
  id: string;
  name: string;
  keyPrefix: string;
  role: RoleName;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
};

export async function listApiKeys(client: PoolClient): Promise<ApiKeyRow[]> {
  const result = await client.query<ApiKeyRow>(
    `SELECT ${columns} FROM api_keys ORDER BY revoked_at IS NOT NULL, created_at DESC`,
  );
  return result.rows;
}

/** Creates a key (never above the creator's own role); the key itself is returned once. */
export async function createApiKey(
  client: PoolClient,
  principal: Principal,
  input: { name: string; role: RoleName; expiresInDays?: number | undefined },
): Promise<ApiKeyRow & { key: string }> {
  if (!hasRole(principal.role, input.role)) {
    throw new ApiError(403, "forbidden", "A key cannot have a higher role than yours.", {
      role: [`Choose ${principal.role} or lower.`],
    });
  }
  const { key, prefix, hash } = generateApiKey();
  const result = await client.query<ApiKeyRow>(
    `INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, role, created_by_user_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7)) RETURNING ${columns}`,
    [
      principal.tenantId,
      input.name,
      prefix,
      hash,
      input.role,
      principal.userId,
      input.expiresInDays ?? null,
    ],
  );
  const row = result.rows[0]!;
  await writeAudit(
    client,
    principal,
    "api_key.create",
    { type: "api_key", id: row.id },
    {
      name: input.name,
      role: input.role,
      keyPrefix: prefix,
      expiresAt: row.expiresAt,
    },
  );
  return { ...row, key };
}

export async function revokeApiKey(
  client: PoolClient,
  principal: Principal,
  id: string,
): Promise<ApiKeyRow> {
  const result = await client.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${columns}`,
    [id],
  );
  const row = result.rows[0];
  if (!row) throw notFound("API key");
  await writeAudit(
    client,
    principal,
    "api_key.revoke",
    { type: "api_key", id },
    { keyPrefix: row.keyPrefix },
  );
  return row;
}
