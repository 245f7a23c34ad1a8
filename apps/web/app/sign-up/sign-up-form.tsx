"use client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { z } from "zod";
import { authClient } from "@/lib/auth-client";

const schema = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(100, "At most 100 characters."),
  email: z.email("Enter a valid email address."),
  password: z.string().min(10, "At least 10 characters.").max(128, "At most 128 characters."),
});

export function SignUpForm(props: { next: string }) {
  const router = useRouter();
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = schema.safeParse(Object.fromEntries(new FormData(event.currentTarget)));
    setError(null);
    if (!parsed.success) {
      setFields(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    setFields({});
    setPending(true);
    const result = await authClient.signUp.email(parsed.data);
    setPending(false);
    if (result.error) {
      setError(
        result.error.status === 429
          ? "Too many attempts. Wait a minute and try again."
          : (result.error.message ?? "Sign-up failed."),
      );
      return;
    }
    router.push(props.next);
    router.refresh();
  }

  const fieldError = (name: string) =>
    fields[name] ? (
      <span id={`${name}-error`} className="field-error">
        {fields[name]}
      </span>
    ) : null;

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <label>
        Name
        <input
          name="name"
          autoComplete="name"
          aria-invalid={!!fields.name}
          aria-describedby={fields.name ? "name-error" : undefined}
        />
        {fieldError("name")}
      </label>
      <label>
        Email
        <input
          name="email"
          type="email"
          autoComplete="username"
          aria-invalid={!!fields.email}
          aria-describedby={fields.email ? "email-error" : undefined}
        />
        {fieldError("email")}
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          aria-invalid={!!fields.password}
          aria-describedby={fields.password ? "password-error" : undefined}
        />
        {fieldError("password")}
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}
