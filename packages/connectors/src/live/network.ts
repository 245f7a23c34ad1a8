/** Shared by the live connectors: telling "could not reach the provider" from any answer it gave. */

/** Socket-level failures: the request never reached an HTTP server (DNS, refused, reset, TLS, proxy). */
export const networkCodes = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
  "EPROTO",
  "CERT_HAS_EXPIRED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);
const networkPattern = new RegExp(
  `\\b(${[...networkCodes].join("|")})\\b|socket hang up|tunneling socket`,
  "i",
);

/**
 * The socket error behind `error`, if the request never got an HTTP answer. SDKs wrap it (@azure/identity
 * and MSAL: AuthenticationError / CredentialUnavailableError around a RestError REQUEST_SEND_ERROR around
 * Node's error; fetch: TypeError "fetch failed" whose cause is the socket error, or an AggregateError of
 * one per address tried), so the cause chain, aggregated errors and the messages are searched.
 */
export function networkFailureOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const e = current as {
      code?: unknown;
      message?: unknown;
      statusCode?: unknown;
      cause?: unknown;
      errors?: unknown;
      errorResponse?: { error_description?: unknown };
    };
    if (typeof e.statusCode === "number" && e.statusCode > 0) return undefined; // an HTTP answer came
    if (typeof e.code === "string" && networkCodes.has(e.code)) return e.code;
    const text = `${typeof e.message === "string" ? e.message : ""} ${
      typeof e.errorResponse?.error_description === "string"
        ? e.errorResponse.error_description
        : ""
    }`;
    const match = networkPattern.exec(text);
    if (match) return match[1] ?? match[0];
    current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  return undefined;
}
