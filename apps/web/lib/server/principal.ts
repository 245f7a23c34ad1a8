import "server-only";
import {
  organizationsOfUser,
  preferredMembership,
  resolveApiKeyHash,
  touchApiKey,
  withTenantClient,
} from "@canopy/db";
import type { RoleName } from "../role-rank";
import { hashApiKey, looksLikeApiKey } from "./api-keys";
import { ApiError } from "./api-error";
import { auth } from "./auth";
import { appDb, authDb } from "./db";

/** Who is calling, in which organization, with which role: a signed-in member or an API key. */
export type Principal = {
  tenantId: string;
  tenantName: string;
  role: RoleName;
  /** As written in the audit log: the member's email or "api key cnp_…". */
  actorLabel: string;
} & (
  | { kind: "session"; userId: string; email: string; name: string }
  | { kind: "apiKey"; apiKeyId: string; userId: null }
);

/**
 * Resolves `Authorization: Bearer <api key>` or the session cookie to a principal, reading the role
 * from the database on every request (a removed member or a revoked key stops working at once).
 * Returns null when neither identifies a member; throws 401 for a malformed or unknown API key.
 */
export async function resolvePrincipal(headers: Headers): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  if (authorization) return resolveApiKey(authorization);
  return resolveSession(headers);
}

async function resolveApiKey(authorization: string): Promise<Principal> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  const key = match?.[1];
  if (!key || !looksLikeApiKey(key)) {
    throw new ApiError(401, "unauthorized", "The Authorization header must be `Bearer <api key>`.");
  }
  const row = await resolveApiKeyHash(appDb(), hashApiKey(key));
  if (!row) throw new ApiError(401, "unauthorized", "This API key is unknown or was revoked.");
  if (row.expired_on)
    throw new ApiError(
      401,
      "unauthorized",
      `This API key expired on ${row.expired_on}; an admin can create a new one under Settings → API keys.`,
    );
  recordKeyUse(row.api_key_id, row.tenant_id);
  return {
    kind: "apiKey",
    apiKeyId: row.api_key_id,
    userId: null,
    tenantId: row.tenant_id,
    tenantName: "",
    role: row.role,
    actorLabel: `api key ${key.slice(0, 12)}`,
  };
}

const lastRecorded = new Map<string, number>();

/** Last use is informative only: recorded at most once a minute per key, without delaying the request. */
function recordKeyUse(apiKeyId: string, tenantId: string) {
  const now = Date.now();
  if ((lastRecorded.get(apiKeyId) ?? 0) > now - 60_000) return;
  lastRecorded.set(apiKeyId, now);
  void withTenantClient(appDb(), tenantId, (client) => touchApiKey(client, apiKeyId)).catch(
    () => undefined,
  );
}

async function resolveSession(headers: Headers): Promise<Principal | null> {
  const session = await auth().api.getSession({ headers });
  if (!session) return null;
  const membership = await membershipOf(
    session.user.id,
    session.session.activeOrganizationId ?? null,
  );
  if (!membership) return null;
  return {
    kind: "session",
    userId: session.user.id,
    email: session.user.email,
    name: session.user.name,
    tenantId: membership.tenantId,
    tenantName: membership.tenantName,
    role: membership.role,
    actorLabel: session.user.email,
  };
}

/** The user's membership in the active organization, else in their oldest one. */
async function membershipOf(userId: string, activeTenantId: string | null) {
  return preferredMembership(authDb(), userId, activeTenantId);
}

/** Every organization the user belongs to (for the switcher). */
export async function organizationsOf(userId: string) {
  return organizationsOfUser(authDb(), userId);
}
