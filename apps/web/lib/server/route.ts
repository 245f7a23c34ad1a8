import "server-only";
import type { Permission } from "../permissions";
import { errorResponse } from "./api-error";
import { assertSameOrigin } from "./origin";
import { resolvePrincipal } from "./principal";
import { readDb } from "./db";
import { cachedRead } from "./read-cache";
import { requirePermission, scopeFor, unauthenticated, type TenantScope } from "./tenant-scope";

export type RouteContext<Params> = TenantScope & { request: Request; params: Params };

type NextSegment<Params> = { params: Promise<Params> };

/**
 * Wraps a route handler: resolves the session cookie or API key → organization → role before the
 * body, refuses a role without `options.permission` (lib/permissions.ts) with 403, and turns every error into
 * `{ error: { code, message, fields? } }`. The body's queries go through `ctx.db` / `ctx.sql`,
 * which run under row-level security for the caller's organization. `emissionRead: true` (the
 * emissions API's reads, nothing that writes) runs the body on the read replica (readDb) and serves a
 * 200 from lib/server/read-cache.ts while the organization's data is unchanged.
 */
export function withTenantRoute<Params = Record<string, never>>(
  handler: (ctx: RouteContext<Params>) => Promise<Response>,
  options: { permission: Permission; emissionRead?: boolean },
) {
  const route = async (request: Request, segment?: NextSegment<Params>): Promise<Response> => {
    try {
      const principal = await resolvePrincipal(request.headers);
      if (!principal) throw unauthenticated();
      // Cookie-authenticated changes only from the app's own origin (CSRF); API keys are not ambient.
      if (principal.kind === "session") assertSameOrigin(request);
      requirePermission(principal, options.permission);
      const params = ((await segment?.params) ?? {}) as Params;
      if (!options.emissionRead) return await handler({ ...scopeFor(principal), request, params });
      const ctx = { ...scopeFor(principal, readDb()), request, params };
      return await cachedRead(ctx, request, () => handler(ctx));
    } catch (error) {
      return errorResponse(error);
    }
  };
  // Read by the API test that checks each operation in lib/api/spec.ts states the permission enforced.
  return Object.assign(route, { permission: options.permission });
}
