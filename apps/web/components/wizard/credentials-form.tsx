"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { saveCredentials } from "@/app/actions/accounts";

const fieldsByProvider = {
  aws: [
    {
      name: "roleArn",
      label: "Role ARN",
      placeholder: "arn:aws:iam::123456789012:role/CanopyReadOnly",
      secret: false,
      multiline: false,
    },
    {
      name: "exportBucket",
      label: "Export bucket",
      placeholder: "acme-cur-exports",
      secret: false,
      multiline: false,
    },
    {
      name: "exportPrefix",
      label: "Export prefix (optional)",
      placeholder: "canopy",
      secret: false,
      multiline: false,
    },
  ],
  azure: [
    {
      name: "directoryTenantId",
      label: "Directory (tenant) ID",
      placeholder: "tenant",
      secret: false,
      multiline: false,
    },
    {
      name: "clientId",
      label: "Application (client) ID",
      placeholder: "appId",
      secret: false,
      multiline: false,
    },
    {
      name: "clientSecret",
      label: "Client secret",
      placeholder: "password",
      secret: true,
      multiline: false,
    },
  ],
  gcp: [
    {
      name: "serviceAccountKey",
      label: "Service account key (JSON)",
      placeholder: '{ "type": "service_account", … }',
      secret: true,
      multiline: true,
    },
    {
      name: "billingExportTable",
      label: "Billing export table",
      placeholder: "project.dataset.gcp_billing_export_resource_v1_…",
      secret: false,
      multiline: false,
    },
  ],
} as const;

/** Credentials go straight to the server action, which seals them; the form is cleared afterwards. */
export function CredentialsForm(props: {
  accountId: string;
  provider: "aws" | "azure" | "gcp";
  next: string;
}) {
  const router = useRouter();
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = Object.fromEntries(new FormData(form)) as Record<string, string>;
    setPending(true);
    const result = await saveCredentials({
      accountId: props.accountId,
      credentials: { ...values, provider: props.provider } as never,
    });
    setPending(false);
    if (!result.ok) {
      setFields(
        Object.fromEntries(
          Object.entries(result.error.fields ?? {}).map(([k, v]) => [
            k.replace(/^credentials\./, ""),
            v,
          ]),
        ),
      );
      setError(result.error.fields ? null : result.error.message);
      return;
    }
    form.reset();
    router.push(props.next);
  }

  return (
    <form
      className="stack"
      onSubmit={onSubmit}
      noValidate
      style={{ maxWidth: 560 }}
      autoComplete="off"
    >
      {fieldsByProvider[props.provider].map((f) => (
        <label key={f.name}>
          {f.label}
          {f.multiline ? (
            <textarea
              name={f.name}
              placeholder={f.placeholder}
              aria-invalid={!!fields[f.name]}
              spellCheck={false}
            />
          ) : (
            <input
              name={f.name}
              type={f.secret ? "password" : "text"}
              placeholder={f.placeholder}
              aria-invalid={!!fields[f.name]}
              spellCheck={false}
            />
          )}
          {fields[f.name] && <span className="field-error">{fields[f.name]!.join(" ")}</span>}
        </label>
      ))}
      <p className="muted small">
        Stored encrypted (AES-256-GCM) and never shown again, not even to admins.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div>
        <button type="submit" disabled={pending}>
          {pending ? "Encrypting…" : "Save credentials"}
        </button>
      </div>
    </form>
  );
}
