import { finalizingRoles } from "@canopy/reports/permissions";
import { ROLES, hasRole, type RoleName } from "./role-rank";

/**
 * What each role may do: the one table that route handlers, server actions and pages check
 * (`withTenantRoute(…, { permission })`, `allowed(principal, permission)`), that the OpenAPI
 * document states per operation, and from which the role descriptions in the invitation form and
 * on the members page are written. A permission names the lowest role that has it (every role
 * above has it too), or the exact roles (finalizing reports, decided by @canopy/reports).
 */
type Grant = { description: string } & ({ minimumRole: RoleName } | { roles: readonly RoleName[] });

export const PERMISSIONS = {
  "emissions.read": {
    minimumRole: "viewer",
    description:
      "see the dashboard, regions, reconciliation, grid data, targets, budgets, alerts and recommendations",
  },
  "reports.generate": { minimumRole: "viewer", description: "generate and download reports" },
  "views.save": { minimumRole: "viewer", description: "save dashboard views" },
  "organization.switch": { minimumRole: "viewer", description: "switch organization" },
  "accounts.read": { minimumRole: "analyst", description: "see cloud accounts" },
  "imports.read": { minimumRole: "analyst", description: "see imports and jobs" },
  "recommendations.triage": {
    minimumRole: "analyst",
    description: "accept, dismiss and recompute recommendations",
  },
  "alerts.triage": {
    minimumRole: "analyst",
    description: "acknowledge and mute alerts, see their deliveries",
  },
  "functionalUnits.write": { minimumRole: "analyst", description: "record functional units" },
  "reports.finalize": { roles: finalizingRoles, description: "finalize reports" },
  "accounts.manage": {
    minimumRole: "admin",
    description: "connect, change and remove cloud accounts",
  },
  "imports.create": {
    minimumRole: "admin",
    description: "import billing and carbon files, confirm and restore imports",
  },
  "members.manage": { minimumRole: "admin", description: "invite and manage members" },
  "apiKeys.manage": { minimumRole: "admin", description: "create and revoke API keys" },
  "alerts.configure": {
    minimumRole: "admin",
    description: "set budgets, targets and webhooks",
  },
  "recommendations.configure": {
    minimumRole: "admin",
    description: "set recommendation constraints",
  },
  "allocation.configure": {
    minimumRole: "admin",
    description: "define cost centres and allocation rules",
  },
  "audit.read": { minimumRole: "admin", description: "read the audit log" },
} as const satisfies Record<string, Grant>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: RoleName, permission: Permission): boolean {
  const grant: Grant = PERMISSIONS[permission];
  return "roles" in grant ? grant.roles.includes(role) : hasRole(role, grant.minimumRole);
}

/** The roles that have `permission`, highest first. */
export function rolesWith(permission: Permission): RoleName[] {
  return ROLES.filter((role) => can(role, permission));
}

const roleTitles: Record<RoleName, string> = {
  owner: "Owner",
  admin: "Admin",
  finance: "Finance",
  analyst: "Analyst",
  viewer: "Viewer",
};

export const roleTitle = (role: RoleName) => roleTitles[role];

/** What `role` may do, in the table's order: "see the dashboard, …; generate and download reports". */
export function roleDescription(role: RoleName): string {
  const granted = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => can(role, p));
  const text = granted.map((p) => PERMISSIONS[p].description).join("; ");
  return role === "owner" ? `${text}; manage owners and delete the organization` : text;
}

/** "This needs the … permission": who has it, for 403 messages and the API reference. */
export function whoMay(permission: Permission): string {
  const roles = rolesWith(permission).map(roleTitle);
  return roles.length === ROLES.length
    ? "every member"
    : `${roles.slice(0, -1).join(", ")}${roles.length > 1 ? " and " : ""}${roles.at(-1)}`;
}
