import "server-only";
import { headers } from "next/headers";
import { z } from "zod";
import type { Permission } from "../permissions";
import { toErrorBody, type ErrorBody } from "./api-error";
import { resolvePrincipal } from "./principal";
import { requirePermission, scopeFor, unauthenticated, type TenantScope } from "./tenant-scope";

export type ActionResult<T> = { ok: true; data: T } | ({ ok: false } & ErrorBody);

/** FormData becomes a plain object (repeated names become arrays); anything else passes through. */
function formToObject(input: unknown): unknown {
  if (!(input instanceof FormData)) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of input.entries()) {
    if (typeof value !== "string") continue;
    const existing = out[key];
    out[key] = existing === undefined ? value : [existing, value].flat();
  }
  return out;
}

/**
 * Wraps a server action like `withTenantRoute` wraps a route handler: session → organization → permission
 * before the body, zod-validated input, queries under row-level security, and errors returned (not
 * thrown) as `{ ok: false, error: { code, message, fields? } }` so forms can show them by field.
 */
export function withTenantAction<Schema extends z.ZodType, Result>(
  schema: Schema,
  handler: (input: z.infer<Schema>, ctx: TenantScope & { headers: Headers }) => Promise<Result>,
  options: { permission: Permission },
) {
  return async (input: z.input<Schema> | FormData): Promise<ActionResult<Result>> => {
    try {
      const requestHeaders = new Headers(await headers());
      // Server actions are for the browser session only; API keys use /api/v1.
      requestHeaders.delete("authorization");
      const principal = await resolvePrincipal(requestHeaders);
      if (!principal) throw unauthenticated();
      requirePermission(principal, options.permission);
      const parsed = schema.parse(formToObject(input));
      const data = await handler(parsed, { ...scopeFor(principal), headers: requestHeaders });
      return { ok: true, data };
    } catch (error) {
      return { ok: false, ...toErrorBody(error).body };
    }
  };
}
