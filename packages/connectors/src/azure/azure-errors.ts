import { ConnectorError } from "../live/errors";
import { networkFailureOf } from "../live/network";

export { networkFailureOf };

type AzureError = {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  response?: { headers: { get(name: string): string | undefined } };
};

/** The retry-after headers Cost Management sends on 429 (seconds); the SDK retries none of them. */
export const costManagementRetryHeaders = [
  "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
  "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
  "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
  "x-ms-ratelimit-microsoft.costmanagement-client-retry-after",
  "x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after",
  "x-ms-ratelimit-microsoft.consumption-retry-after",
  "retry-after",
];

/** For `withBackoff`: the largest retry-after hint of a 429 (ms), 0 for 5xx, undefined for anything else. */
export function azureRetryAfterMs(error: unknown): number | undefined {
  const e = error as AzureError;
  if (e.statusCode === 429) {
    let seconds = 0;
    for (const header of costManagementRetryHeaders) {
      const value = Number(e.response?.headers.get(header));
      if (Number.isFinite(value) && value > seconds) seconds = value;
    }
    return seconds * 1000;
  }
  if (e.statusCode !== undefined && e.statusCode >= 500) return 0;
  if (e.code === "ECONNRESET" || e.code === "ETIMEDOUT") return 0;
  return undefined;
}

/** The outcome for an endpoint Canopy could not reach: not a credentials problem, retryable. */
export function unreachableError(host: string, reason: string, cause?: unknown): ConnectorError {
  return new ConnectorError(
    "transient",
    `Could not reach ${host} (${reason}): proxy or firewall? Canopy needs outbound HTTPS to ${host}.`,
    {
      fix: `Allow outbound HTTPS (port 443) from Canopy to ${host} and management.azure.com, or set HTTPS_PROXY for the worker`,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * A Cost Details report over the API's size limit (HTTP 413, ~2 GB / ~2 million rows): not transient,
 * the caller splits the date range.
 */
export class CostDetailsTooLargeError extends ConnectorError {
  constructor(message: string, cause?: unknown) {
    super("query", message, cause === undefined ? {} : { cause });
    this.name = "CostDetailsTooLargeError";
  }
}

/** The action an ARM AuthorizationFailed message names ("…does not have authorization to perform action 'X' over scope…"). */
export function deniedAzureActionOf(message: string): string | undefined {
  return /perform action '([^']+)'/.exec(message)?.[1];
}

/** The AADSTS line of an identity error, without MSAL's timestamp/correlation noise. */
function entraReasonOf(message: string): string {
  return /AADSTS\d+:[^.]*\./.exec(message)?.[0] ?? message.split("\n")[0] ?? message;
}

/** The read-only role that carries Cost Management's read actions at a scope. */
function roleGranting(scope: string | undefined): string {
  if (scope && /^\/?providers\/Microsoft\.Billing\//i.test(scope))
    return '"Billing account reader" (MCA; enterprise administrator read-only on EA)';
  return '"Cost Management Reader"';
}

export function azureConnectorError(
  error: unknown,
  action: string,
  scope?: string,
  host?: string,
): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = error as AzureError;
  const message = e.message ?? String(error);
  const network = networkFailureOf(error);
  if (network) return unreachableError(host ?? "management.azure.com", network, error);
  if (e.statusCode === 413) {
    return new CostDetailsTooLargeError(
      `Azure answered 413 (too large) for ${action}${scope ? ` on ${scope}` : ""}: ${message}`,
      error,
    );
  }
  const identityErrors = [
    "AuthenticationError",
    "AuthenticationRequiredError",
    "CredentialUnavailableError",
  ];
  if ((e.name !== undefined && identityErrors.includes(e.name)) || e.statusCode === 401) {
    return new ConnectorError(
      "credentials",
      `Microsoft Entra ID refused the service principal (${entraReasonOf(message)}). Check the directory (tenant) id, the client id and the secret; if the secret expired, create a new one and reconnect.`,
      { cause: error },
    );
  }
  if (e.statusCode === 403) {
    const permission = deniedAzureActionOf(message) ?? action;
    const where = scope ? ` on ${scope}` : "";
    const role = roleGranting(scope);
    return new ConnectorError(
      "permission",
      `The service principal lacks ${permission}${where} (${message}). Assign it the ${role} role${where}.`,
      {
        permission,
        fix: `Assign the ${role} role (which grants ${permission}) to the service principal${where}`,
        cause: error,
      },
    );
  }
  if (e.statusCode === 429) {
    return new ConnectorError(
      "throttled",
      `Cost Management kept throttling ${action} after retries (${message})`,
      { cause: error },
    );
  }
  if (e.statusCode === 400 || e.statusCode === 404) {
    return new ConnectorError("query", `Azure refused ${action}: ${message}`, { cause: error });
  }
  return new ConnectorError("transient", `${action} failed: ${message}`, { cause: error });
}

