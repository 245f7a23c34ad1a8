import "server-only";
import {
  withTenant,
  withTenantClient,
  type Connection,
  type PoolClient,
  type Tx,
} from "@canopy/db";
import { can, whoMay, type Permission } from "../permissions";
import { ApiError } from "./api-error";
import { appDb } from "./db";
import type { Principal } from "./principal";

/** What a wrapped handler gets: the principal and query helpers bound to its organization. */
export type TenantScope = {
  principal: Principal;
  /** Runs `fn` in a transaction under row-level security for the principal's organization. */
  db<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** The same with a raw pg client (for hand-written SQL). */
  sql<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
};

/** The principal's scope on the primary, or on `connection` (the read replica, readDb). */
export function scopeFor(principal: Principal, connection?: Connection): TenantScope {
  const on = () => connection ?? appDb();
  return {
    principal,
    db: (fn) => withTenant(on(), principal.tenantId, fn),
    sql: (fn) => withTenantClient(on(), principal.tenantId, fn),
  };
}

export function requirePermission(principal: Principal, permission: Permission) {
  if (!can(principal.role, permission)) {
    throw new ApiError(
      403,
      "forbidden",
      `This needs the ${permission} permission (${whoMay(permission)}); your role in ${principal.tenantName || "this organization"} is ${principal.role}.`,
    );
  }
}

export const unauthenticated = () =>
  new ApiError(401, "unauthorized", "Sign in, or send `Authorization: Bearer <api key>`.");
