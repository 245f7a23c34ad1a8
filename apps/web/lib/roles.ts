import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements, adminAc, ownerAc } from "better-auth/plugins/organization/access";

/**
 * Canopy's five roles. Organization management (members, invitations) is Better Auth's; the
 * Canopy-specific permissions are checked on the server by the route wrappers.
 */
export const accessControl = createAccessControl({
  ...defaultStatements,
  cloudAccount: ["read", "connect", "delete"],
  report: ["read", "finalize"],
  emissions: ["read"],
} as const);

export const roles = {
  owner: accessControl.newRole({
    ...ownerAc.statements,
    cloudAccount: ["read", "connect", "delete"],
    report: ["read", "finalize"],
    emissions: ["read"],
  }),
  admin: accessControl.newRole({
    ...adminAc.statements,
    cloudAccount: ["read", "connect", "delete"],
    report: ["read", "finalize"],
    emissions: ["read"],
  }),
  finance: accessControl.newRole({
    cloudAccount: ["read"],
    report: ["read", "finalize"],
    emissions: ["read"],
  }),
  analyst: accessControl.newRole({ cloudAccount: ["read"], report: ["read"], emissions: ["read"] }),
  viewer: accessControl.newRole({ report: ["read"], emissions: ["read"] }),
};

