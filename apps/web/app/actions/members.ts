"use server";
import { z } from "zod";
import { ROLES } from "@/lib/role-rank";
import { ApiError, notFound } from "@/lib/server/api-error";
import { withTenantAction } from "@/lib/server/action";
import { writeAudit } from "@/lib/server/audit";
import { auth } from "@/lib/server/auth";
import { invitationLink, takeInvitationDelivery } from "@/lib/server/invitation-email";
import {
  cancelPendingInvitation,
  deleteMembership,
  lockMembership,
  ownerCount,
  setMembershipRole,
  type PoolClient,
} from "@canopy/db";

const role = z.enum(ROLES, { error: "Choose a role." });

/**
 * Invites someone by email: the invitation is emailed through CANOPY_EMAIL_TRANSPORT, and its link is
 * shown to the admin (and logged) whatever the email's fate, which the result reports.
 */
export const inviteMember = withTenantAction(
  z.object({ email: z.email("Enter a valid email address.").trim().toLowerCase(), role }),
  async (input, ctx) => {
    if (input.role === "owner" && ctx.principal.role !== "owner") {
      throw new ApiError(403, "forbidden", "Only an owner can invite an owner.", {
        role: ["Choose admin or lower."],
      });
    }
    const invitation = await auth()
      .api.createInvitation({
        headers: ctx.headers,
        body: { email: input.email, role: input.role, organizationId: ctx.principal.tenantId },
      })
      .catch((error: Error) => {
        throw new ApiError(400, "invitation_failed", error.message, { email: [error.message] });
      });
    // Audited (member.invite) by Better Auth's after hook, as a direct call to the endpoint is.
    return {
      id: invitation.id,
      link: invitationLink(invitation.id),
      email: takeInvitationDelivery(invitation.id),
    };
  },
  { permission: "members.manage" },
);

export const cancelInvitation = withTenantAction(
  z.object({ invitationId: z.uuid("Not a valid invitation id.") }),
  async (input, ctx) => {
    const found = await ctx.sql(async (client) => {
      const row = await cancelPendingInvitation(client, input.invitationId);
      if (row) {
        await writeAudit(
          client,
          ctx.principal,
          "member.invitation_cancel",
          { type: "invitation", id: input.invitationId },
          { email: row.email },
        );
      }
      return row;
    });
    if (!found) throw notFound("Pending invitation");
    return { id: input.invitationId };
  },
  { permission: "members.manage" },
);

type MemberRow = { id: string; userId: string; role: (typeof ROLES)[number] };

async function loadMember(client: PoolClient, memberId: string): Promise<MemberRow> {
  const row = await lockMembership(client, memberId);
  if (!row) throw notFound("Member");
  return row;
}

/** Owners are managed by owners only, and an organization always keeps one. */
async function guardOwnerChange(
  client: PoolClient,
  actorRole: string,
  member: MemberRow,
  newRole: string | null,
) {
  if ((member.role === "owner" || newRole === "owner") && actorRole !== "owner") {
    throw new ApiError(
      403,
      "forbidden",
      "Only an owner can change an owner or make someone owner.",
    );
  }
  if (member.role === "owner" && newRole !== "owner" && (await ownerCount(client)) <= 1) {
    throw new ApiError(
      409,
      "last_owner",
      "This is the organization's only owner; make someone else owner first.",
    );
  }
}

export const changeMemberRole = withTenantAction(
  z.object({ memberId: z.uuid("Not a valid member id."), role }),
  async (input, ctx) =>
    ctx.sql(async (client) => {
      const member = await loadMember(client, input.memberId);
      await guardOwnerChange(client, ctx.principal.role, member, input.role);
      await setMembershipRole(client, member.id, input.role);
      await writeAudit(
        client,
        ctx.principal,
        "member.role_change",
        { type: "member", id: member.id },
        {
          userId: member.userId,
          from: member.role,
          to: input.role,
        },
      );
      return { id: member.id, role: input.role };
    }),
  { permission: "members.manage" },
);

/** Removes a member; their next request (page, API call or action) is refused. */
export const removeMember = withTenantAction(
  z.object({ memberId: z.uuid("Not a valid member id.") }),
  async (input, ctx) =>
    ctx.sql(async (client) => {
      const member = await loadMember(client, input.memberId);
      await guardOwnerChange(client, ctx.principal.role, member, null);
      await deleteMembership(client, member.id);
      await writeAudit(
        client,
        ctx.principal,
        "member.remove",
        { type: "member", id: member.id },
        {
          userId: member.userId,
          role: member.role,
        },
      );
      return { id: member.id };
    }),
  { permission: "members.manage" },
);
