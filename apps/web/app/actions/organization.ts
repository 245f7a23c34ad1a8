"use server";
import { z } from "zod";
import { ApiError } from "@/lib/server/api-error";
import { withTenantAction } from "@/lib/server/action";
import { auth } from "@/lib/server/auth";
import { organizationsOf } from "@/lib/server/principal";

/** Makes another of the user's organizations the active one (the switcher). */
export const switchOrganization = withTenantAction(
  z.object({ organizationId: z.uuid("Not a valid organization id.") }),
  async (input, ctx) => {
    if (ctx.principal.kind !== "session")
      throw new ApiError(400, "session_required", "Switching needs a browser session.");
    const mine = await organizationsOf(ctx.principal.userId);
    if (!mine.some((org) => org.id === input.organizationId)) {
      throw new ApiError(404, "not_found", "Organization not found.");
    }
    await auth().api.setActiveOrganization({
      headers: ctx.headers,
      body: { organizationId: input.organizationId },
    });
    return { organizationId: input.organizationId };
  },
  { permission: "organization.switch" },
);
