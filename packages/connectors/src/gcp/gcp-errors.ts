import { ConnectorError } from "../live/errors";
import { networkFailureOf } from "../live/network";
import { gcpUnreachableError } from "./token";

type GcpError = {
  name?: string;
  message?: string;
  code?: number | string;
  errors?: { reason?: string; message?: string }[];
  response?: { status?: number };
};

const statusOf = (e: GcpError) => (typeof e.code === "number" ? e.code : e.response?.status);
const reasonsOf = (e: GcpError) => (e.errors ?? []).map((x) => x.reason ?? "");

/** For `withBackoff`: 0 for rate limits (429, rateLimitExceeded) and 5xx, undefined otherwise. */
export function gcpRetryAfterMs(error: unknown): number | undefined {
  const e = error as GcpError;
  const status = statusOf(e);
  if (
    status === 429 ||
    reasonsOf(e).some((r) => r === "rateLimitExceeded" || r === "userRateLimitExceeded")
  )
    return 0;
  if (status !== undefined && status >= 500) return 0;
  return undefined;
}

/** The IAM permission a BigQuery denial names ("…does not have bigquery.jobs.create permission…"). */
export function deniedGcpPermissionOf(message: string): string | undefined {
  return /\b((?:bigquery|resourcemanager|billing)\.[A-Za-z]+\.[A-Za-z]+)\b/.exec(message)?.[1];
}

/**
 * `endpoint` is the URL the call went to (for the network outcome's host): BigQuery's root for API
 * calls; token requests name their own host.
 */
export function gcpConnectorError(
  error: unknown,
  action: string,
  endpoint = "https://bigquery.googleapis.com",
): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = error as GcpError;
  const message = e.message ?? String(error);
  const status = statusOf(e);
  const unreachable = status === undefined ? networkFailureOf(error) : undefined;
  if (unreachable) return gcpUnreachableError(endpoint, unreachable, error);
  if (e.name === "GcpTokenError" && /^(Security Token Service|IAM Credentials)/.test(message)) {
    return new ConnectorError(
      "credentials",
      `Google refused the workload identity federation exchange (${message}). Check the configuration's audience (the pool provider), that the provider trusts Canopy's issuer and its attribute condition admits Canopy, then test again.`,
      { cause: error },
    );
  }
  if (status === 401 || e.name === "GcpTokenError") {
    return new ConnectorError(
      "credentials",
      `Google rejected the service account key (${message}). The key may have been deleted or disabled: create a new JSON key and reconnect.`,
      { cause: error },
    );
  }
  // The token lacks an OAuth scope the method documents (403 PERMISSION_DENIED, ErrorInfo reason
  // ACCESS_TOKEN_SCOPE_INSUFFICIENT): no IAM role fixes that, the token request must change.
  if (
    status === 403 &&
    /insufficient authentication scopes|ACCESS_TOKEN_SCOPE_INSUFFICIENT/i.test(message)
  ) {
    return new ConnectorError(
      "permission",
      `Canopy's access token lacks the OAuth scope ${action} needs (${message}).`,
      {
        permission: "OAuth scope https://www.googleapis.com/auth/bigquery",
        fix: "Canopy requests the bigquery scope for its token; if Google still refuses it, check that no organization policy restricts the service account's OAuth scopes, then contact Canopy support",
        cause: error,
      },
    );
  }
  if (
    status === 403 &&
    !reasonsOf(e).some((r) => r.includes("RateLimit") || r === "rateLimitExceeded")
  ) {
    const permission = deniedGcpPermissionOf(message) ?? action;
    return new ConnectorError(
      "permission",
      `The service account lacks ${permission} (${message}).`,
      {
        permission,
        fix: `Grant the service account a role with ${permission} (BigQuery Job User on the job project; BigQuery Data Viewer on the billing export dataset)`,
        cause: error,
      },
    );
  }
  if (status === 429 || (gcpRetryAfterMs(error) === 0 && status === 403)) {
    return new ConnectorError("throttled", `BigQuery kept rate limiting ${action} (${message})`, {
      cause: error,
    });
  }
  if (status === 400 || status === 404)
    return new ConnectorError("query", `BigQuery refused ${action}: ${message}`, { cause: error });
  return new ConnectorError("transient", `${action} failed: ${message}`, { cause: error });
}
