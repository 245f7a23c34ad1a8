import { createSign } from "node:crypto";
import type { GcpServiceAccountKey } from "./config";

export class GcpTokenError extends Error {
  override name = "GcpTokenError";
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/**
 * OAuth 2.0 JWT-bearer grant (RFC 7523) against the key's own `token_uri`: the service account signs
 * an assertion with its private key and gets an access token. (google-auth-library's JWT client always
 * posts to oauth2.googleapis.com, so this small exchange is what lets tests use a local token endpoint.)
 * Error messages carry Google's error code and description, never the key.
 */
export async function fetchAccessToken(
  key: GcpServiceAccountKey,
  scope: string,
): Promise<{ token: string; expiresAt: number }> {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(
    JSON.stringify({
      alg: "RS256",
      typ: "JWT",
      ...(key.private_key_id ? { kid: key.private_key_id } : {}),
    }),
  );
  const claims = base64url(
    JSON.stringify({ iss: key.client_email, scope, aud: key.token_uri, iat: now, exp: now + 3600 }),
  );
  let signature: string;
  try {
    signature = createSign("RSA-SHA256")
      .update(`${header}.${claims}`)
      .sign(key.private_key)
      .toString("base64url");
  } catch {
    throw new GcpTokenError("the key's private_key is not a valid PEM private key");
  }
  const response = await fetch(key.token_uri, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: `${header}.${claims}.${signature}`,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    throw new GcpTokenError(
      `${body.error ?? `HTTP ${response.status}`}: ${body.error_description ?? "no access token"}`,
    );
  }
  return { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
}
