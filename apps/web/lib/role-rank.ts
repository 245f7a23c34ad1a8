import { memberRoles, type MemberRole } from "@canopy/db/member-roles";

export type RoleName = MemberRole;

/**
 * What a handler asks for: "viewer" lets every member in, "analyst" every role that explores data
 * beyond the dashboard (analyst, finance, admin, owner), "admin" admins and owners, "owner" owners.
 */
const rank: Record<RoleName, number> = { owner: 4, admin: 3, finance: 2, analyst: 2, viewer: 1 };

/** Canopy's roles (the database enum's), highest first. Pure, so client components can use it. */
export const ROLES: readonly RoleName[] = [...memberRoles].sort((a, b) => rank[b] - rank[a]);

export function hasRole(actual: RoleName, required: RoleName): boolean {
  return rank[actual] >= rank[required];
}

