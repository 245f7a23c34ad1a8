import "server-only";
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";
import {
  membershipRole,
  organizationById,
  organizationHasMembers,
  withTenantClient,
} from "@canopy/db";
import { checkOrganizationName, checkOrganizationSlug } from "../organization-rules";
import { writeAudit, type AuditAction, type AuditActor } from "./audit";
import { appDb, authDb } from "./db";

/**
 * Organization, member and invitation changes made through Better Auth's organization endpoints —
 * by a browser calling /api/auth/organization/* or by our code calling auth().api.* — are audited
 * here and only here: Better Auth's global before/after hooks run for both entry points, and the
 * after hook writes one audit_log row per successful change, through the app role within the
 * organization's tenant (audit_log is tenant data under row-level security; the auth role cannot
 * reach it). Canopy's own server actions that change memberships with SQL (role change, removal,
 * cancelling an invitation; app/actions/members.ts) audit in their own transaction and never reach
 * these endpoints, so one change is one row either way.
 *
 * The audit row is written after Better Auth has committed the change (a different role and
 * connection, so not in one transaction). If it cannot be written the call answers 500 saying so, and
 * the entry is logged.
 *
 * Not audited: set-active (which organization a session shows, not a change to one), check-slug,
 * has-permission and the reads. Teams and dynamic roles are not enabled, so their endpoints do not
 * exist.
 *
 * Refused, because Canopy never needs them and they cannot be audited properly:
 * - /organization/delete (403): the tenant's rows, its audit log included, go with it, so there is
 *   nowhere to record who deleted it;
 * - the server-only addMember API (403, except for the creator's membership while an organization is
 *   created): members join by invitation, which is audited when accepted.
 */

type Session = {
  user: { id: string; email: string };
  session: { activeOrganizationId?: string | null };
};
type Row = Record<string, unknown>;

type Entry = {
  tenantId: string;
  action: AuditAction;
  target: { type: string; id: string | null };
  details: Record<string, unknown>;
};

/**
 * What the before hook learnt (the acting session, the state before), for the after hook of the same
 * call: Better Auth hands one call's before hooks, endpoint middleware and after hooks the same
 * `ctx.context` object. (The tests check actor and previous role, so an upgrade that changed this
 * would fail them.)
 */
type Pending = {
  session: Session | null;
  previousRole?: string;
  previousOrganization?: { id: string; name: string; slug: string };
};
const pending = new WeakMap<object, Pending>();

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const asRow = (value: unknown): Row =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Row) : {};
const str = (value: unknown): string | null => (typeof value === "string" && value ? value : null);

/** How each audited endpoint's result becomes an entry (null: nothing changed, nothing to record). */
const recorders: Record<string, (returned: Row, body: Row, before: Pending) => Entry | null> = {
  "/organization/create": (org) =>
    str(org.id)
      ? {
          tenantId: org.id as string,
          action: "organization.create",
          target: { type: "organization", id: org.id as string },
          details: { name: org.name, slug: org.slug },
        }
      : null,
  "/organization/update": (org, body, before) => {
    const id = str(org.id) ?? before.previousOrganization?.id;
    if (!id) return null;
    const data = asRow(body.data);
    const details: Record<string, unknown> = {};
    for (const field of ["name", "slug"] as const) {
      if (!(field in data)) continue;
      const from = before.previousOrganization?.[field];
      const to = str(org[field]) ?? data[field];
      if (from !== to) details[field] = { from, to };
    }
    // Logo and metadata are not Canopy's; which changed is recorded, not their values.
    const other = Object.keys(data).filter((key) => key !== "name" && key !== "slug");
    if (other.length) details.alsoChanged = other;
    return {
      tenantId: id,
      action: "organization.update",
      target: { type: "organization", id },
      details,
    };
  },
  "/organization/invite-member": (invitation, body) =>
    invitationEntry("member.invite", invitation, {
      email: invitation.email,
      role: invitation.role,
      ...(body.resend === true ? { resend: true } : {}),
    }),
  "/organization/cancel-invitation": (invitation) =>
    invitationEntry("member.invitation_cancel", invitation, { email: invitation.email }),
  "/organization/reject-invitation": (result) => {
    const invitation = asRow(result.invitation);
    return invitationEntry("member.invitation_reject", invitation, { email: invitation.email });
  },
  "/organization/accept-invitation": (result) => {
    const invitation = asRow(result.invitation);
    const member = asRow(result.member);
    return memberEntry("member.invitation_accept", member, {
      invitationId: invitation.id,
      email: invitation.email,
      role: member.role,
    });
  },
  "/organization/remove-member": (result) => {
    const member = asRow(result.member);
    return memberEntry("member.remove", member, { userId: member.userId, role: member.role });
  },
  "/organization/update-member-role": (member, _body, before) =>
    memberEntry("member.role_change", member, {
      userId: member.userId,
      from: before.previousRole ?? null,
      to: member.role,
    }),
  "/organization/leave": (member) =>
    memberEntry("member.leave", member, { userId: member.userId, role: member.role }),
};

function invitationEntry(action: AuditAction, invitation: Row, details: Row): Entry | null {
  const tenantId = str(invitation.organizationId);
  if (!tenantId || !str(invitation.id)) return null;
  return { tenantId, action, target: { type: "invitation", id: invitation.id as string }, details };
}

function memberEntry(action: AuditAction, member: Row, details: Row): Entry | null {
  const tenantId = str(member.organizationId);
  if (!tenantId || !str(member.id)) return null;
  return { tenantId, action, target: { type: "member", id: member.id as string }, details };
}


async function previousState(path: string, body: Row, session: Session | null): Promise<Pending> {
  const state: Pending = { session };
  if (path === "/organization/update-member-role") {
    const memberId = str(body.memberId);
    if (memberId && uuid.test(memberId)) {
      const role = await membershipRole(authDb(), memberId);
      if (role) state.previousRole = role;
    }
  }
  if (path === "/organization/update") {
    const id = str(body.organizationId) ?? session?.session.activeOrganizationId ?? null;
    if (id && uuid.test(id)) {
      const organization = await organizationById(authDb(), id);
      if (organization) state.previousOrganization = organization;
    }
  }
  return state;
}

export const organizationAuditBefore = createAuthMiddleware(async (ctx) => {
  if (ctx.path === "/organization/delete") {
    throw new APIError("FORBIDDEN", {
      code: "ORGANIZATION_DELETION_NOT_SUPPORTED",
      message:
        "Deleting an organization is not supported: its data and audit log would go with it. Ask the operator.",
    });
  }
  if (!ctx.path || !Object.hasOwn(recorders, ctx.path)) return;
  // The session the endpoint acts for (Better Auth reuses it, so this costs no extra lookup).
  const session = (await getSessionFromCtx(ctx)) as Session | null;
  pending.set(ctx.context, await previousState(ctx.path, asRow(ctx.body), session));
});

export const organizationAuditAfter = createAuthMiddleware(async (ctx) => {
  if (!ctx.path || !Object.hasOwn(recorders, ctx.path)) return;
  const before = pending.get(ctx.context) ?? { session: null };
  pending.delete(ctx.context);
  const returned = ctx.context.returned;
  if (!returned || isAPIError(returned) || returned instanceof Response) return;
  const entry = recorders[ctx.path]!(asRow(returned), asRow(ctx.body), before);
  if (!entry) return;
  const user = before.session?.user;
  const actor: AuditActor = {
    tenantId: entry.tenantId,
    userId: user?.id ?? null,
    actorLabel: user?.email ?? "canopy server",
  };
  try {
    await withTenantClient(appDb(), entry.tenantId, (client) =>
      writeAudit(client, actor, entry.action, entry.target, entry.details),
    );
  } catch (error) {
    console.error(
      `canopy-web: audit entry not written for ${ctx.path} (${JSON.stringify({ ...entry, actor: actor.actorLabel })}):`,
      error,
    );
    throw new APIError("INTERNAL_SERVER_ERROR", {
      code: "AUDIT_WRITE_FAILED",
      message: "The change was made but its audit entry could not be written; see the server log.",
    });
  }
});

function invalid(field: "name" | "slug", message: string): APIError {
  return new APIError("BAD_REQUEST", {
    code: field === "name" ? "INVALID_ORGANIZATION_NAME" : "INVALID_ORGANIZATION_SLUG",
    message: `Invalid organization ${field}: ${message}`,
    field,
  });
}

/** The name trimmed and checked, the slug checked; throws 400 naming the field. */
function checkedFields(organization: { name?: unknown; slug?: unknown }, creating: boolean) {
  const data: { name?: string; slug?: string } = {};
  if (creating || organization.name !== undefined) {
    const name = checkOrganizationName(organization.name);
    if (!name.ok) throw invalid("name", name.message);
    data.name = name.value;
  }
  if (creating || organization.slug !== undefined) {
    const slug = checkOrganizationSlug(organization.slug);
    if (!slug.ok) throw invalid("slug", slug.message);
    data.slug = slug.value;
  }
  return data;
}

/** Better Auth organization plugin hooks: validation of names and slugs, and addMember refused. */
export const organizationHooks = {
  beforeCreateOrganization: async ({ organization }: { organization: Row }) => ({
    data: { ...organization, ...checkedFields(organization, true) },
  }),
  beforeUpdateOrganization: async ({ organization }: { organization: Row }) => ({
    data: checkedFields(organization, false),
  }),
  beforeAddMember: async ({ organization }: { organization: { id: string } }) => {
    // Called for the creator's owner membership while /organization/create runs (the organization has
    // no member yet) and by the server-only addMember API, which Canopy does not use.
    if (await organizationHasMembers(authDb(), organization.id)) {
      throw new APIError("FORBIDDEN", {
        code: "ADD_MEMBER_NOT_SUPPORTED",
        message: "Members join an organization by invitation.",
      });
    }
  },
};
