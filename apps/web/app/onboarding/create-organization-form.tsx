"use client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { z } from "zod";
import { authClient } from "@/lib/auth-client";

const schema = z.object({
  name: z.string().trim().min(2, "At least 2 characters.").max(80, "At most 80 characters."),
  slug: z
    .string()
    .trim()
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/,
      "Lower-case letters, digits and hyphens (e.g. acme-corp).",
    ),
});

const slugify = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);

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
    const parsed = schema.safeParse(Object.fromEntries(new FormData(event.currentTarget)));
    if (!parsed.success) {
      setFields(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
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
      if (/slug/i.test(message)) setFields({ slug: "This URL name is taken; choose another." });
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
