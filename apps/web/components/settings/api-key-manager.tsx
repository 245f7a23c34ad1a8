"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { createApiKeyAction, revokeApiKeyAction } from "@/app/actions/api-keys";
import { CopyBlock } from "@/components/copy-block";
import { hasRole, type RoleName } from "@/lib/role-rank";

type Key = {
  id: string;
  name: string;
  keyPrefix: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
};

export function ApiKeyManager(props: { keys: Key[]; maxRole: RoleName }) {
  const router = useRouter();
  const [created, setCreated] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const result = await createApiKeyAction(new FormData(form));
    if (!result.ok) {
      setFields(result.error.fields ?? {});
      setError(result.error.fields ? null : result.error.message);
      return;
    }
    setFields({});
    setError(null);
    setCreated(result.data.key);
    form.reset();
    router.refresh();
  }

  return (
    <>
      <section className="card stack-lg">
        <h2>Create a key</h2>
        <form className="row" onSubmit={onSubmit} noValidate style={{ alignItems: "start" }}>
          <label>
            Name
            <input name="name" placeholder="BI export" aria-invalid={!!fields.name} />
            {fields.name && <span className="field-error">{fields.name.join(" ")}</span>}
          </label>
          <label>
            Role
            <select name="role" defaultValue="viewer">
              {(["admin", "analyst", "finance", "viewer"] as const)
                .filter((r) => hasRole(props.maxRole, r))
                .map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
            </select>
            {fields.role && <span className="field-error">{fields.role.join(" ")}</span>}
          </label>
          <label>
            Expires
            <select name="expiresInDays" defaultValue="90">
              <option value="30">in 30 days</option>
              <option value="90">in 90 days</option>
              <option value="365">in a year</option>
              <option value="">never</option>
            </select>
            {fields.expiresInDays && (
              <span className="field-error">{fields.expiresInDays.join(" ")}</span>
            )}
          </label>
          <button type="submit" style={{ marginTop: "1.3rem" }}>
            Create key
          </button>
        </form>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {created && (
          <div className="notice" role="status">
            <p>Copy the key now: it is shown only once.</p>
            <CopyBlock label="New API key" text={created} />
          </div>
        )}
      </section>
      <section className="card table-wrap">
        <h2>Keys</h2>
        {props.keys.length === 0 ? (
          <p className="muted">No keys yet.</p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Role</th>
                <th>Created</th>
                <th>Last used</th>
                <th>Expires</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.keyPrefix}_…</code>
                  </td>
                  <td>{k.role}</td>
                  <td className="small">{k.createdAt.slice(0, 10)}</td>
                  <td className="small">
                    {k.lastUsedAt ? k.lastUsedAt.slice(0, 16).replace("T", " ") : "never"}
                  </td>
                  <td className="small">
                    {k.expiresAt === null ? (
                      "never"
                    ) : Date.parse(k.expiresAt) <= Date.now() ? (
                      <span className="badge bad">expired {k.expiresAt.slice(0, 10)}</span>
                    ) : (
                      k.expiresAt.slice(0, 10)
                    )}
                  </td>
                  <td>
                    {k.revokedAt ? (
                      <span className="badge bad">revoked</span>
                    ) : (
                      <button
                        type="button"
                        className="danger small"
                        onClick={async () => {
                          if (!window.confirm(`Revoke ${k.name}? Calls with it fail at once.`))
                            return;
                          const result = await revokeApiKeyAction({ id: k.id });
                          if (result.ok) router.refresh();
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
