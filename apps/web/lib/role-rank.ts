/** Canopy's roles, highest first. Pure, so client components and tests can use it. */
export const ROLES = ["owner", "admin", "finance", "analyst", "viewer"] as const;
export type RoleName = (typeof ROLES)[number];

/**
 * What a handler asks for: "viewer" lets every member in, "analyst" every role that explores data
 * beyond the dashboard (analyst, finance, admin, owner), "admin" admins and owners, "owner" owners.
 */
const rank: Record<RoleName, number> = { owner: 4, admin: 3, finance: 2, analyst: 2, viewer: 1 };

export function hasRole(actual: RoleName, required: RoleName): boolean {
  return rank[actual] >= rank[required];
}

export const isAdmin = (role: RoleName) => hasRole(role, "admin");
