import "server-only";
import { ApiError } from "./api-error";
import { serverEnv } from "./env";
import type { Principal } from "./principal";

/**
 * Instance administrators (CANOPY_INSTANCE_ADMINS) manage data every organization shares (the
 * grid-intensity store). Being an organization's owner is not enough: that data is not one
 * organization's. API keys never qualify; they act for one organization.
 */
export function isInstanceAdmin(principal: Principal): boolean {
  return (
    principal.kind === "session" &&
    serverEnv().CANOPY_INSTANCE_ADMINS.includes(principal.email.toLowerCase())
  );
}

export function requireInstanceAdmin(principal: Principal): void {
  if (!isInstanceAdmin(principal))
    throw new ApiError(
      403,
      "forbidden",
      "Only an instance administrator (CANOPY_INSTANCE_ADMINS) may change the grid-intensity data every organization shares; from a shell, use `pnpm canopy grid import <files>`.",
    );
}
