import "server-only";
import { headers } from "next/headers";
import { and, eq } from "drizzle-orm";
import { schema, withTenant, type Tx } from "@canopy/db";
import { auth } from "./auth";
import { appDb } from "./db";
import type { Role } from "../roles";

export type MemberContext = {
  userId: string;
  email: string;
  tenantId: string;
  tenantName: string;
  role: Role;
};

/**
 * Resolves session → organization → role for the current request, or null when signed out or not a
 * member of any organization. The role is read from the database on every request, so a removed
 * member loses access at once.
 */
export async function currentMember(): Promise<MemberContext | null> {
  const requestHeaders = await headers();
  const session = await auth().api.getSession({ headers: requestHeaders });
  if (!session) return null;
  let tenantId = session.session.activeOrganizationId ?? undefined;
  if (!tenantId) {
    const organizations = await auth().api.listOrganizations({ headers: requestHeaders });
    tenantId = organizations[0]?.id;
  }
  if (!tenantId) return null;
  const membership = await withTenant(appDb(), tenantId, async (tx) => {
    const [row] = await tx
      .select({ role: schema.memberships.role, tenantName: schema.tenants.name })
      .from(schema.memberships)
      .innerJoin(schema.tenants, eq(schema.tenants.id, schema.memberships.organizationId))
      .where(and(eq(schema.memberships.userId, session.user.id)));
    return row;
  });
  if (!membership) return null;
  return {
    userId: session.user.id,
    email: session.user.email,
    tenantId,
    tenantName: membership.tenantName,
    role: membership.role,
  };
}

/** Runs `fn` under row-level security for the member's organization. */
export function forMember<T>(member: MemberContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withTenant(appDb(), member.tenantId, fn);
}
