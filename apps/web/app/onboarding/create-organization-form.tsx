"use client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { authClient } from "@/lib/auth-client";
import { checkOrganizationName, checkOrganizationSlug, slugify } from "@/lib/organization-rules";

/** The server checks the same rules (lib/organization-rules.ts) and answers 400 naming the field. */
function check(form: FormData) {
  const name = checkOrganizationName(form.get("name"));
  const slug = checkOrganizationSlug(String(form.get("slug") ?? "").trim());
  const fields: Record<string, string> = {};
  if (!name.ok) fields.name = name.message;
  if (!slug.ok) fields.slug = slug.message;
  return name.ok && slug.ok ? { data: { name: name.value, slug: slug.value } } : { fields };
}

export function CreateOrganizationForm() {
  const router = useRouter();
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const parsed = check(new FormData(event.currentTarget));
    if (!parsed.data) {
      setFields(parsed.fields);
      return;
    }
    setFields({});
    setPending(true);
    const created = await authClient.organization.create({
      name: parsed.data.name,
      slug: parsed.data.slug,
    });
    if (created.error || !created.data) {
      setPending(false);
      const message = created.error?.message ?? "Could not create the organization.";
      const code = created.error?.code;
      if (code === "INVALID_ORGANIZATION_NAME") setFields({ name: message });
      else if (code === "INVALID_ORGANIZATION_SLUG") setFields({ slug: message });
      else if (/slug/i.test(message))
        setFields({ slug: "This URL name is taken; choose another." });
      else setError(message);
      return;
    }
    await authClient.organization.setActive({ organizationId: created.data.id });
    router.push("/accounts/new");
    router.refresh();
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <label>
        Organization name
        <input
          name="name"
          autoComplete="organization"
          onChange={(e) => !slugEdited && setSlug(slugify(e.target.value))}
          aria-invalid={!!fields.name}
        />
        {fields.name && <span className="field-error">{fields.name}</span>}
      </label>
      <label>
        URL name
        <input
          name="slug"
          value={slug}
          onChange={(e) => {
            setSlugEdited(true);
            setSlug(e.target.value);
          }}
          aria-invalid={!!fields.slug}
        />
        {fields.slug && <span className="field-error">{fields.slug}</span>}
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create organization"}
      </button>
    </form>
  );
}
