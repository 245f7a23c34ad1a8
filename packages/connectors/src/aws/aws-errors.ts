import { ConnectorError } from "../live/errors";

const throttleNames = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "LimitExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);
/**
 * A session past its end (AWS: role sessions last at most MaxSessionDuration, 1 h by default). Not a
 * credentials problem: the connector assumes the role again; if it still fails the error is transient.
 */
const expiredTokenNames = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired"]);
const credentialNames = new Set([
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "AuthFailure",
]);
const accessDeniedNames = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "AccessDeniedFault",
  "UnauthorizedOperation",
]);

type SdkError = {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
};

export function isExpiredTokenError(error: unknown): boolean {
  const name = (error as SdkError | undefined)?.name;
  return name !== undefined && expiredTokenNames.has(name);
}

/** Codes of a connection that never reached AWS: DNS, refused or reset connections, proxies, TLS. */
const networkCodes = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ECONNABORTED",
  "CERT_HAS_EXPIRED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
]);

/** The host a network error names (`getaddrinfo ENOTFOUND sts.amazonaws.com`), if any. */
function networkFailureOf(error: unknown): { code: string; host?: string } | undefined {
  let e = error as
    { code?: string; hostname?: string; address?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e.code && networkCodes.has(e.code))
      return {
        code: e.code,
        ...(e.hostname || e.address ? { host: e.hostname ?? e.address } : {}),
      };
    e = e.cause as typeof e;
  }
  return undefined;
}

/** For `withBackoff`: 0 (no hint) for throttles and 5xx, undefined for everything else. */
export function awsRetryAfterMs(error: unknown): number | undefined {
  const e = error as SdkError;
  if (e.name && throttleNames.has(e.name)) return 0;
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return 0;
  if (e.name === "TimeoutError" || (e as { code?: string }).code === "ECONNRESET") return 0;
  return undefined;
}

/** The IAM action an AccessDenied message names ("…is not authorized to perform: athena:GetQueryResults on…"). */
export function deniedActionOf(message: string): string | undefined {
  return /perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
}

/**
 * Turns an SDK error into a ConnectorError the sync job can act on. `action` is the IAM action the
 * call needed, named when AWS's message does not say it.
 */
export function awsConnectorError(error: unknown, action: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = error as SdkError;
  const name = e.name ?? "Error";
  const message = e.message ?? String(error);
  if (expiredTokenNames.has(name)) {
    return new ConnectorError(
      "transient",
      `The AWS session expired during ${action} and assuming the role again did not help (${name}: ${message}); the sync is retried later. The role and its trust are fine.`,
      { cause: error },
    );
  }
  const network = networkFailureOf(error);
  if (network) {
    const where = network.host ?? `the AWS endpoint of ${action.split(":")[0]}`;
    return new ConnectorError(
      "network",
      `Could not reach ${where} (${network.code}): a proxy, firewall or DNS problem between Canopy and AWS, not the credentials. Allow outbound HTTPS to *.amazonaws.com.`,
      { cause: error },
    );
  }
  if (name === "CredentialsProviderError") {
    // Canopy's own identity is missing on this worker: our configuration, not the customer's account.
    return new ConnectorError(
      "transient",
      "Canopy has no AWS identity of its own to assume the customer's role with: configure AWS credentials (or a workload role) for the worker.",
      { cause: error },
    );
  }
  if (credentialNames.has(name)) {
    return new ConnectorError(
      "credentials",
      `AWS rejected Canopy's credentials (${name}: ${message}). Reconnect the account or renew the access keys.`,
      { cause: error },
    );
  }
  if (accessDeniedNames.has(name) || e.$metadata?.httpStatusCode === 403) {
    const permission = deniedActionOf(message) ?? action;
    if (permission === "sts:AssumeRole") {
      return new ConnectorError(
        "credentials",
        `Canopy could not assume the role (${message}). Check that the role's trust policy allows Canopy's principal with the condition sts:ExternalId equal to the external id shown in the wizard.`,
        {
          permission,
          fix: "Trust policy: allow sts:AssumeRole for Canopy's principal with sts:ExternalId = <external id>",
          cause: error,
        },
      );
    }
    return new ConnectorError(
      "permission",
      `The role lacks the permission ${permission} (${message}). Add "${permission}" to the role's policy.`,
      {
        permission,
        fix: `Add "${permission}" to the IAM policy attached to the role`,
        cause: error,
      },
    );
  }
  if (throttleNames.has(name)) {
    return new ConnectorError(
      "throttled",
      `AWS kept throttling ${action} after retries (${name}: ${message})`,
      { cause: error },
    );
  }
  if (
    name === "InvalidRequestException" ||
    name === "ValidationException" ||
    name === "DataUnavailableException" ||
    // CloudWatch's (query-compatible) client errors.
    name === "ValidationError" ||
    name === "InvalidParameterValue" ||
    name === "InvalidParameterValueException" ||
    name === "InvalidParameterCombination" ||
    name === "MissingParameter" ||
    name === "InvalidNextToken"
  ) {
    return new ConnectorError("query", `AWS refused ${action}: ${name}: ${message}`, {
      cause: error,
    });
  }
  return new ConnectorError("transient", `${action} failed: ${name}: ${message}`, { cause: error });
}
