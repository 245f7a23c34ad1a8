import "server-only";
import { headers } from "next/headers";
import { resolvePrincipal, type Principal } from "./principal";

export type MemberContext = Extract<Principal, { kind: "session" }>;

/**
 * Resolves session → organization → role for the current request, or null when signed out or not a
 * member of any organization. The role is read from the database on every request, so a removed
 * member loses access at once.
 */
export async function currentMember(): Promise<MemberContext | null> {
  const requestHeaders = new Headers(await headers());
  requestHeaders.delete("authorization");
  const principal = await resolvePrincipal(requestHeaders);
  return principal?.kind === "session" ? principal : null;
}
