import "server-only";
import {
  insertApiKey,
  listApiKeyRows,
  revokeApiKeyRow,
  type ApiKeyRow,
  type PoolClient,
} from "@canopy/db";
import { hasRole, type RoleName } from "../role-rank";
import { generateApiKey } from "./api-keys";
import { ApiError, notFound } from "./api-error";
import { writeAudit } from "./audit";
import type { Principal } from "./principal";

export type { ApiKeyRow };

export async function listApiKeys(client: PoolClient): Promise<ApiKeyRow[]> {
  return listApiKeyRows(client);
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
  const row = await insertApiKey(client, {
    tenantId: principal.tenantId,
    name: input.name,
    prefix,
    hash,
    role: input.role,
    createdByUserId: principal.userId,
    expiresInDays: input.expiresInDays ?? null,
  });
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
  const row = await revokeApiKeyRow(client, id);
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
