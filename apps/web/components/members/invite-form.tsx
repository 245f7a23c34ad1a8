"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { inviteMember } from "@/app/actions/members";
import { CopyBlock } from "@/components/copy-block";

export function InviteForm(props: { canInviteOwner: boolean }) {
  const router = useRouter();
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

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
    setLink(result.data.link);
    form.reset();
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
          <select name="role" defaultValue="analyst">
            {props.canInviteOwner && <option value="owner">Owner</option>}
            <option value="admin">Admin: accounts, imports, members, keys</option>
            <option value="analyst">Analyst: dashboard; views imports, jobs, accounts</option>
            <option value="finance">Finance: reports</option>
            <option value="viewer">Viewer: dashboard only</option>
          </select>
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
      {link && (
        <div className="notice" role="status">
          <p>
            Invitation created. Canopy does not send email yet: send this link to the person (it is
            also in the server log).
          </p>
          <CopyBlock label="Invitation link" text={link} />
        </div>
      )}
    </div>
  );
}
