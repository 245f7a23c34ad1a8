import { withBackoff, type BackoffOptions } from "../live/errors";
import { GridSourceError } from "./source";

/** A non-2xx answer, kept apart so the backoff can tell throttling and outages from refusals. */
export class GridHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number,
    readonly body: string,
    message: string,
  ) {
    super(message);
  }
}

const defaultRequestTimeoutMs = 30_000;
const foldBody = (body: string) => body.replace(/\s+/g, " ").slice(0, 300);

const retryable = (status: number) => status === 429 || status === 0 || status >= 500;

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3); 0 when absent or unreadable. */
function retryAfterMs(header: string | null): number {
  if (header === null) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}

/**
 * GET `url` and return the body text. Throttling (429), 5xx and network failures are retried with
 * backoff (the provider's Retry-After when given); `accept(status, body)` may take a non-2xx answer
 * as a result (ENTSO-E's "No matching data" acknowledgement). Anything else becomes a
 * GridSourceError: retryable for throttling and outages, not for refusals (bad key, bad request).
 */
export async function getText(options: {
  source: string;
  url: string;
  describe: string;
  headers?: Record<string, string>;
  backoff?: BackoffOptions;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  accept?: (status: number, body: string) => boolean;
  /** Per attempt: a source that does not answer (firewall, black-holed route) is an outage, not a hang. */
  timeoutMs?: number;
  /** Appended to the error of a refused key (401, 403): what to check. */
  authHint?: string;
  /** How an error body is shown (default: whitespace folded, cut at 300 characters). */
  formatBody?: (body: string) => string;
}): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? defaultRequestTimeoutMs;
  try {
    return await withBackoff(
      async () => {
        let response: Response;
        let body: string;
        try {
          const timeout = AbortSignal.timeout(timeoutMs);
          response = await doFetch(options.url, {
            headers: options.headers ?? {},
            signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
          });
          body = await response.text();
        } catch (error) {
          if (options.signal?.aborted) throw error;
          const reason =
            (error as Error).name === "TimeoutError"
              ? `no answer within ${timeoutMs / 1000} s`
              : (error as Error).message;
          throw new GridHttpError(0, 0, "", `${options.describe}: ${reason}`);
        }
        if (response.ok || options.accept?.(response.status, body)) return body;
        throw new GridHttpError(
          response.status,
          retryAfterMs(response.headers.get("retry-after")),
          body,
          `${options.describe} answered ${response.status}: ${(options.formatBody ?? foldBody)(body)}`,
        );
      },
      (error) =>
        error instanceof GridHttpError && retryable(error.status) ? error.retryAfterMs : undefined,
      options.backoff ?? {},
    );
  } catch (error) {
    if (!(error instanceof GridHttpError)) throw error;
    const hint =
      options.authHint && (error.status === 401 || error.status === 403) ? options.authHint : "";
    throw new GridSourceError(
      `${error.message}${hint}`,
      options.source,
      retryable(error.status),
      error.status || undefined,
    );
  }
}

/** Minimum spacing between requests to keep under a per-minute limit (one instance's share). */
export class RequestPacer {
  #next = 0;
  constructor(
    readonly minIntervalMs: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async wait(): Promise<void> {
    const now = Date.now();
    const waitMs = this.#next - now;
    this.#next = Math.max(now, this.#next) + this.minIntervalMs;
    if (waitMs > 0) await this.sleep(waitMs);
  }
}

export const hourMs = 3_600_000;
export const floorHourMs = (ms: number) => Math.floor(ms / hourMs) * hourMs;
