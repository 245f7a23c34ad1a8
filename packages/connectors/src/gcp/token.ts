import { createSign } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConnectorError } from "../live/errors";
import { networkFailureOf } from "../live/network";
import {
  GOOGLE_STS_TOKEN_URL,
  impersonatedServiceAccountOf,
  type GcpExternalAccount,
  type GcpServiceAccountKey,
  type GcpSubjectTokenSource,
} from "./config";

export class GcpTokenError extends Error {
  override name = "GcpTokenError";
}

/** Google's sign-in could not be reached: a network outcome, never a credentials one. */
export function gcpUnreachableError(url: string, reason: string, cause?: unknown): ConnectorError {
  const host = new URL(url).host;
  return new ConnectorError(
    "network",
    `Could not reach ${host} (${reason}): proxy or firewall? Canopy needs outbound HTTPS to ${host}; the credentials were not tested.`,
    {
      fix: `Allow outbound HTTPS (port 443) from Canopy to ${host}, oauth2.googleapis.com and bigquery.googleapis.com, or set HTTPS_PROXY for the worker`,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * A refused token request: a 4xx is the credentials' fault (GcpTokenError); a 429 or 5xx carries its
 * status so the backoff retries it and it ends as throttled/transient, never "credentials".
 */
function tokenEndpointError(status: number, message: string): Error {
  if (status === 429 || status >= 500) return Object.assign(new Error(message), { code: status });
  return new GcpTokenError(message);
}

/** fetch, with a socket failure (DNS, refused, reset, TLS, proxy) turned into the network outcome. */
async function post(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, method: "POST" });
  } catch (error) {
    const reason = networkFailureOf(error);
    if (reason) throw gcpUnreachableError(url, reason, error);
    throw error;
  }
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
  const response = await post(key.token_uri, {
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
    throw tokenEndpointError(
      response.status,
      `${body.error ?? `HTTP ${response.status}`}: ${body.error_description ?? "no access token"}`,
    );
  }
  return { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
}

const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
/** What generateAccessToken requires of the caller's token (its documented authorization scopes). */
const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** Canopy's own subject token, read from the operator's file (text, or a JSON field). */
export async function readSubjectToken(source: GcpSubjectTokenSource): Promise<string> {
  let text: string;
  try {
    text = await readFile(source.file, "utf8");
  } catch (error) {
    // Canopy's configuration, not the customer's: retryable, and the account is not at fault.
    throw new ConnectorError(
      "transient",
      `Canopy's workload identity token (${source.file}) could not be read: ${(error as NodeJS.ErrnoException).code ?? "error"}. The operator must mount it (CANOPY_GCP_SUBJECT_TOKEN_FILE).`,
    );
  }
  if (source.format?.type !== "json") return text.trim();
  const field = source.format.subject_token_field_name ?? "id_token";
  const value = (JSON.parse(text) as Record<string, unknown>)[field];
  if (typeof value !== "string" || !value)
    throw new ConnectorError(
      "transient",
      `Canopy's workload identity token file has no "${field}" field`,
    );
  return value;
}

type OAuthErrorBody = { error?: string; error_description?: string };

/**
 * Workload identity federation: Canopy's subject token → STS token exchange (RFC 8693,
 * https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token) → with an impersonation URL,
 * the service account's token from IAM Credentials `generateAccessToken`
 * (https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken).
 * As google-auth-library does: the federated token asks for cloud-platform when it is only used to
 * impersonate (generateAccessToken's documented scopes), and the final token for `scope`.
 */
export async function fetchFederatedAccessToken(
  config: GcpExternalAccount,
  source: GcpSubjectTokenSource | undefined,
  scope: string,
  endpoints: { sts?: string; iamCredentials?: string } = {},
): Promise<{ token: string; expiresAt: number }> {
  if (!source)
    throw new ConnectorError(
      "transient",
      "Workload identity federation is not set up on this Canopy installation: the operator must set CANOPY_GCP_SUBJECT_TOKEN_FILE to Canopy's own OIDC token.",
    );
  const subjectToken = await readSubjectToken(source);
  const impersonate = config.service_account_impersonation_url;
  const stsUrl = endpoints.sts
    ? `${endpoints.sts.replace(/\/$/, "")}/v1/token`
    : GOOGLE_STS_TOKEN_URL;
  const exchanged = await post(stsUrl, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      audience: config.audience,
      scope: impersonate ? CLOUD_PLATFORM_SCOPE : scope,
      requested_token_type: ACCESS_TOKEN_TYPE,
      subject_token: subjectToken,
      subject_token_type: config.subject_token_type,
    }),
  });
  const sts = (await exchanged.json().catch(() => ({}))) as OAuthErrorBody & {
    access_token?: string;
    expires_in?: number;
  };
  if (!exchanged.ok || !sts.access_token)
    throw tokenEndpointError(
      exchanged.status,
      `Security Token Service: ${sts.error ?? `HTTP ${exchanged.status}`}: ${sts.error_description ?? "no access token"}`,
    );
  if (!impersonate)
    return { token: sts.access_token, expiresAt: Date.now() + (sts.expires_in ?? 3600) * 1000 };

  const email = impersonatedServiceAccountOf(config) ?? "";
  const iamUrl = endpoints.iamCredentials
    ? `${endpoints.iamCredentials.replace(/\/$/, "")}/v1/projects/-/serviceAccounts/${email}:generateAccessToken`
    : impersonate;
  const lifetime = config.service_account_impersonation?.token_lifetime_seconds ?? 3600;
  const generated = await post(iamUrl, {
    headers: { "content-type": "application/json", authorization: `Bearer ${sts.access_token}` },
    body: JSON.stringify({ scope: scope.split(" ").filter(Boolean), lifetime: `${lifetime}s` }),
  });
  const iam = (await generated.json().catch(() => ({}))) as {
    accessToken?: string;
    expireTime?: string;
    error?: { code?: number; message?: string; status?: string };
  };
  if (!generated.ok || !iam.accessToken) {
    const message = iam.error?.message ?? `HTTP ${generated.status}`;
    if (generated.status === 403)
      throw new ConnectorError(
        "permission",
        `The federated identity may not impersonate ${email} (${message}).`,
        {
          permission: "iam.serviceAccounts.getAccessToken",
          fix: `Grant the pool's principal the Workload Identity User role (roles/iam.workloadIdentityUser) on ${email}`,
        },
      );
    throw tokenEndpointError(generated.status, `IAM Credentials generateAccessToken: ${message}`);
  }
  const expiresAt = iam.expireTime ? Date.parse(iam.expireTime) : Date.now() + lifetime * 1000;
  return { token: iam.accessToken, expiresAt };
}
