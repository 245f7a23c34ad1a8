/**
 * Why a live connector failed, in terms the sync job acts on:
 * - `credentials`: wrong, expired or untrusted credentials; retrying cannot help, the account needs attention.
 * - `permission`: the credentials work but lack a permission; `permission` names it exactly.
 * - `throttled`: the provider kept throttling after our backoff gave up; retry later.
 * - `query`: the provider ran the query and it failed (missing table, bad scope…).
 * - `network`: the provider could not be reached (DNS, refused connection, proxy, TLS); retryable, and
 *   never a credentials problem.
 * - `transient`: anything else (5xx, an expired session that re-assuming did not fix); retryable.
 */
export type ConnectorErrorKind =
  "credentials" | "permission" | "throttled" | "query" | "network" | "transient";

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  readonly permission: string | undefined;
  readonly fix: string | undefined;
  constructor(
    kind: ConnectorErrorKind,
    message: string,
    details: { permission?: string; fix?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "ConnectorError";
    this.kind = kind;
    this.permission = details.permission;
    this.fix = details.fix;
  }

  /** Retrying will not help until someone changes the credentials, the role or the scope. */
  get permanent(): boolean {
    return this.kind === "credentials" || this.kind === "permission" || this.kind === "query";
  }
}

export type BackoffOptions = {
  /** Retries after the first try. Default 6. */
  retries?: number;
  /** First delay; doubles each retry, with full jitter. Default 1000 ms. */
  baseDelayMs?: number;
  /** Cap on one delay. Default 30 s. */
  maxDelayMs?: number;
  /** Sleep function (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
};

export const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`, retrying only while `retryAfterMs(error)` says the error is a throttle (returning the
 * provider's hint in ms, or 0 for "no hint"); any other error is thrown at once, so wrong credentials
 * never turn into a retry storm. The delay is the provider's hint when given, else exponential with jitter.
 */
export async function withBackoff<T>(
  call: () => Promise<T>,
  retryAfterMs: (error: unknown) => number | undefined,
  options: BackoffOptions = {},
): Promise<T> {
  const retries = options.retries ?? 6;
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const sleep = options.sleep ?? sleepMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const hint = retryAfterMs(error);
      if (hint === undefined || attempt >= retries) throw error;
      const exponential = Math.min(max, base * 2 ** attempt);
      await sleep(
        hint > 0 ? Math.min(max, hint) : exponential / 2 + Math.random() * (exponential / 2),
      );
    }
  }
}
