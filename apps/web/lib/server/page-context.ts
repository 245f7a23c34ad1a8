import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { can, type Permission } from "../permissions";
import { auth } from "./auth";
import { resolvePrincipal, type Principal } from "./principal";
import { scopeFor, type TenantScope } from "./tenant-scope";

export type SessionPrincipal = Extract<Principal, { kind: "session" }>;

/**
 * For pages: the signed-in member and a tenant scope, or a redirect to sign-in (no session) or to
 * organization creation (a session without any membership). Re-read on every request.
 */
export async function requireMember(): Promise<TenantScope & { principal: SessionPrincipal }> {
  const requestHeaders = new Headers(await headers());
  requestHeaders.delete("authorization");
  const principal = await resolvePrincipal(requestHeaders);
  if (!principal || principal.kind !== "session") {
    const session = await auth().api.getSession({ headers: requestHeaders });
    redirect(session ? "/onboarding" : "/sign-in");
  }
  return scopeFor(principal) as TenantScope & { principal: SessionPrincipal };
}

/** The signed-in user without requiring a membership (onboarding, invitations), or null. */
export async function currentUser() {
  const session = await auth().api.getSession({ headers: await headers() });
  return session?.user ?? null;
}

export const allowed = (principal: Principal, permission: Permission) =>
  can(principal.role, permission);
