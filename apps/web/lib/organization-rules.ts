/**
 * What an organization's name and slug may be. Pure, so the onboarding form and the server (Better
 * Auth's before-create/update hooks in lib/server/organization-audit.ts) apply the same rules; the
 * server's check is the one that counts.
 */
export const ORGANIZATION_NAME_MAX = 100;
export const ORGANIZATION_SLUG_MIN = 2;
export const ORGANIZATION_SLUG_MAX = 48;

/** Lower-case ASCII letters and digits in runs joined by single hyphens. */
const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CONTROL = /\p{Cc}/u;

export type FieldCheck = { ok: true; value: string } | { ok: false; message: string };

/** The name trimmed, 1–100 characters (code points), no control characters. */
export function checkOrganizationName(input: unknown): FieldCheck {
  if (typeof input !== "string") return { ok: false, message: "Enter the organization's name." };
  const value = input.trim();
  if (!value) return { ok: false, message: "Enter the organization's name." };
  if (!value.isWellFormed()) return { ok: false, message: "The name is not valid text." };
  if ([...value].length > ORGANIZATION_NAME_MAX)
    return { ok: false, message: `At most ${ORGANIZATION_NAME_MAX} characters.` };
  if (CONTROL.test(value))
    return { ok: false, message: "The name may not contain control characters." };
  return { ok: true, value };
}

/** The slug as given: 2–48 of a–z, 0–9 and single hyphens, not starting or ending with a hyphen. */
export function checkOrganizationSlug(input: unknown): FieldCheck {
  if (typeof input !== "string") return { ok: false, message: "Enter a URL name." };
  if (
    input.length < ORGANIZATION_SLUG_MIN ||
    input.length > ORGANIZATION_SLUG_MAX ||
    !SLUG_PATTERN.test(input)
  ) {
    return {
      ok: false,
      message: `${ORGANIZATION_SLUG_MIN}–${ORGANIZATION_SLUG_MAX} lower-case letters (a–z), digits and single hyphens, not starting or ending with a hyphen (e.g. acme-corp).`,
    };
  }
  return { ok: true, value: input };
}

/** A slug suggested from a name (the form prefills it); may be empty for a name without a–z/0–9. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, ORGANIZATION_SLUG_MAX)
    .replace(/^-+|-+$/g, "");
}
