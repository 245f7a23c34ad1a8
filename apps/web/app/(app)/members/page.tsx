import { membersWithUsers, pendingInvitations } from "@canopy/db";
import { Forbidden } from "@/components/forbidden";
import { InviteForm } from "@/components/members/invite-form";
import { CancelInvitationButton, MemberControls } from "@/components/members/member-controls";
import { RolePermissions } from "@/components/members/role-permissions";
import { authDb } from "@/lib/server/db";
import { allowed, requireMember } from "@/lib/server/page-context";
import { publicUrl } from "@/lib/server/env";

export const dynamic = "force-dynamic";

export default async function MembersPage() {
  const scope = await requireMember();
  const { principal } = scope;
  if (!allowed(principal, "members.manage"))
    return <Forbidden role={principal.role} needs="members.manage" />;
  // Members with their emails: the sign-in tables, read with the auth role for this organization only.
  const members = await membersWithUsers(authDb(), principal.tenantId);
  const invitations = await scope.sql((client) => pendingInvitations(client));
  return (
    <main className="stack-lg">
      <h1>Members</h1>
      <section className="card stack-lg">
        <h2>Invite someone</h2>
        <InviteForm canInviteOwner={principal.role === "owner"} />
      </section>
      <section className="card table-wrap">
        <h2>Members of {principal.tenantName}</h2>
        <table className="data">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id}>
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td colSpan={2}>
                  <MemberControls
                    memberId={m.id}
                    role={m.role}
                    self={m.email === principal.email}
                    canManageOwners={principal.role === "owner"}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <RolePermissions />
      {invitations.length > 0 && (
        <section className="card table-wrap">
          <h2>Pending invitations</h2>
          <table className="data">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Link (no email is sent: share it)</th>
                <th>Expires</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{i.role}</td>
                  <td className="small">
                    <code>{`${publicUrl()}/invite/${i.id}`}</code>
                  </td>
                  <td className="small">{i.expiresAt.toISOString().slice(0, 10)}</td>
                  <td>
                    <CancelInvitationButton invitationId={i.id} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </main>
  );
}
