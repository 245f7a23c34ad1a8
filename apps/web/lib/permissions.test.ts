import { finalizingRoles } from "@canopy/reports/permissions";
import { describe, expect, it } from "vitest";
import {
  PERMISSIONS,
  can,
  roleDescription,
  rolesWith,
  whoMay,
  type Permission,
} from "./permissions";
import { ROLES } from "./role-rank";

describe("permission table", () => {
  it("keeps the role order: a permission of a lower role is a permission of every role above it", () => {
    for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
      if (permission === "reports.finalize") continue;
      const roles = rolesWith(permission);
      expect(ROLES.slice(0, roles.length)).toEqual(roles);
    }
  });

  it("lets the roles @canopy/reports names finalize, and no one else", () => {
    expect(rolesWith("reports.finalize").sort()).toEqual([...finalizingRoles].sort());
    expect(can("analyst", "reports.finalize")).toBe(false);
    expect(can("finance", "reports.finalize")).toBe(true);
  });

  it("writes each role's description from what it may do, so analysts are not promised imports", () => {
    expect(roleDescription("analyst")).toContain("see imports and jobs");
    expect(roleDescription("analyst")).not.toContain(PERMISSIONS["imports.create"].description);
    expect(roleDescription("admin")).toContain(PERMISSIONS["imports.create"].description);
    expect(roleDescription("viewer")).not.toContain("see cloud accounts");
    expect(roleDescription("finance")).toContain("finalize reports");
    for (const role of ROLES)
      for (const permission of Object.keys(PERMISSIONS) as Permission[])
        expect(roleDescription(role).includes(PERMISSIONS[permission].description)).toBe(
          can(role, permission),
        );
  });

  it("says who may, in words", () => {
    expect(whoMay("emissions.read")).toBe("every member");
    expect(whoMay("imports.create")).toBe("Owner and Admin");
    expect(whoMay("reports.finalize")).toBe("Owner, Admin and Finance");
  });
});
