"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { inviteMember } from "@/app/actions/members";
import { CopyBlock } from "@/components/copy-block";
import { roleDescription, roleTitle } from "@/lib/permissions";
import { ROLES, type RoleName } from "@/lib/role-rank";
import type { InvitationDelivery } from "@/lib/server/invitation-email";

function deliveryMessage(to: string, email: InvitationDelivery): string {
  switch (email.status) {
    case "sent":
      return `Invitation created and emailed to ${to} (${email.transport === "outbox" ? "written to the outbox for the mail relay" : "SMTP"}). You can also send them this link.`;
    case "not-configured":
      return "Invitation created. Email is not configured on this instance (CANOPY_EMAIL_TRANSPORT=log): send this link to the person (it is also in the server log).";
    default:
      return `Invitation created, but the email could not be sent (${email.reason}): send this link to the person.`;
  }
}

export function InviteForm(props: { canInviteOwner: boolean }) {
  const router = useRouter();
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<{ link: string; to: string; email: InvitationDelivery } | null>(
    null,
  );
  const [pending, setPending] = useState(false);
  const [role, setRole] = useState<RoleName>("analyst");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    setPending(true);
    const result = await inviteMember(new FormData(form));
    setPending(false);
    if (!result.ok) {
      setFields(result.error.fields ?? {});
      setError(result.error.fields ? null : result.error.message);
      return;
    }
    setFields({});
    setError(null);
    setSent({
      link: result.data.link,
      to: String(new FormData(form).get("email")),
      email: result.data.email,
    });
    form.reset();
    setRole("analyst");
    router.refresh();
  }

  return (
    <div className="stack-lg">
      <form className="row" onSubmit={onSubmit} noValidate style={{ alignItems: "start" }}>
        <label>
          Email
          <input name="email" type="email" aria-invalid={!!fields.email} />
          {fields.email && <span className="field-error">{fields.email.join(" ")}</span>}
        </label>
        <label>
          Role
          <select
            name="role"
            value={role}
            onChange={(event) => setRole(event.target.value as RoleName)}
          >
            {ROLES.filter((r) => r !== "owner" || props.canInviteOwner).map((r) => (
              <option key={r} value={r}>
                {roleTitle(r)}
              </option>
            ))}
          </select>
          <span className="muted" data-testid="role-description">
            May {roleDescription(role)}.
          </span>
          {fields.role && <span className="field-error">{fields.role.join(" ")}</span>}
        </label>
        <button type="submit" disabled={pending} style={{ marginTop: "1.3rem" }}>
          {pending ? "Inviting…" : "Invite"}
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {sent && (
        <div
          className="notice"
          role="status"
          data-testid="invitation-sent"
          data-email={sent.email.status}
        >
          <p>{deliveryMessage(sent.to, sent.email)}</p>
          <CopyBlock label="Invitation link" text={sent.link} />
        </div>
      )}
    </div>
  );
}
