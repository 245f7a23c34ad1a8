"use client";
import { useState } from "react";

/**
 * "Sign in with <provider>": asks Canopy's auth endpoint for the identity provider's authorization URL
 * (state and PKCE verifier are kept server-side) and goes there; the provider redirects back to
 * /api/auth/callback/oidc, which signs the user in and continues to `next`.
 */
export function SsoButton(props: { name: string; next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function start() {
    setPending(true);
    setError(null);
    const response = await fetch("/api/auth/sign-in/social", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        provider: "oidc",
        callbackURL: props.next,
        errorCallbackURL: "/sign-in?sso=failed",
      }),
    }).catch(() => null);
    const body = (await response?.json().catch(() => null)) as {
      url?: string;
      message?: string;
    } | null;
    if (!response?.ok || !body?.url) {
      setPending(false);
      setError(
        body?.message ?? `Could not reach ${props.name}. Try again, or sign in with a password.`,
      );
      return;
    }
    window.location.assign(body.url);
  }
  return (
    <div className="stack">
      <button type="button" className="secondary" onClick={start} disabled={pending}>
        {pending ? "Redirecting…" : `Sign in with ${props.name}`}
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
