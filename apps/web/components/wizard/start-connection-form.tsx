"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { startConnection } from "@/app/actions/accounts";
import { accountIdLabel, providerNames, type ProviderKey } from "@/lib/wizard/providers";

export function StartConnectionForm() {
  const router = useRouter();
  const [provider, setProvider] = useState<ProviderKey>("aws");
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    const result = await startConnection(new FormData(event.currentTarget));
    setPending(false);
    if (!result.ok) {
      setFields(result.error.fields ?? {});
      setError(result.error.fields ? null : result.error.message);
      return;
    }
    router.push(`/accounts/${result.data.id}/permissions`);
  }

  const id = accountIdLabel[provider];
  return (
    <form className="stack-lg" onSubmit={onSubmit} noValidate>
      <fieldset className="provider-choice" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="muted" style={{ marginBottom: "0.5rem" }}>
          Which cloud?
        </legend>
        {(Object.keys(providerNames) as ProviderKey[]).map((key) => (
          <label key={key}>
            <input
              type="radio"
              name="provider"
              value={key}
              checked={provider === key}
              onChange={() => setProvider(key)}
            />
            {providerNames[key]}
          </label>
        ))}
      </fieldset>
      <div className="stack" style={{ maxWidth: 460 }}>
        <label>
          Name in Canopy
          <input
            name="displayName"
            placeholder="Production payer account"
            aria-invalid={!!fields.displayName}
          />
          {fields.displayName && (
            <span className="field-error">{fields.displayName.join(" ")}</span>
          )}
        </label>
        <label>
          {id.label}
          <input
            name="providerAccountId"
            aria-invalid={!!fields.providerAccountId}
            aria-describedby="account-id-hint"
          />
          <span id="account-id-hint" className="muted small">
            {id.hint}
          </span>
          {fields.providerAccountId && (
            <span className="field-error">{fields.providerAccountId.join(" ")}</span>
          )}
        </label>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div>
        <button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Continue"}
        </button>
      </div>
    </form>
  );
}
