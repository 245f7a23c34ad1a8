import { createHmac, timingSafeEqual } from "node:crypto";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Signed webhooks (README "Alerts"). Each request carries
 *   X-Canopy-Timestamp: <unix seconds>
 *   X-Canopy-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *   X-Canopy-Delivery:  <delivery id>   (the same on every retry of one delivery: deduplicate on it)
 * A receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes, compares in
 * constant time, and refuses timestamps more than 5 minutes from its clock (replays).
 */

export const signatureHeader = "x-canopy-signature";
export const timestampHeader = "x-canopy-timestamp";
export const deliveryHeader = "x-canopy-delivery";
export const signatureToleranceSeconds = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** What a receiver does: true when the signature matches and the timestamp is recent. */
export function verifyWebhookSignature(options: {
  secret: string;
  timestamp: string | undefined;
  body: string;
  signature: string | undefined;
  nowSeconds?: number;
}): boolean {
  const timestamp = Number(options.timestamp);
  if (!Number.isInteger(timestamp) || !options.signature) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > signatureToleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(options.secret, timestamp, options.body));
  const given = Buffer.from(options.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export type WebhookAttempt = {
  attempt: number;
  ok: boolean;
  statusCode?: number;
  error?: string;
  /** Retrying cannot help (4xx other than 408/429): no further attempts. */
  permanent: boolean;
};

export type WebhookRetryPolicy = {
  attempts: number;
  /** Delay before attempt n + 1 is backoffMs × 4^(n − 1): 2 s, 8 s, 32 s with the defaults. */
  backoffMs: number;
  timeoutMs: number;
};

export const defaultWebhookRetry: WebhookRetryPolicy = {
  attempts: 4,
  backoffMs: 2_000,
  timeoutMs: 10_000,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Addresses a webhook may not reach (server-side request forgery): private networks (RFC 1918,
 * RFC 4193 unique-local), link-local (RFC 3927, where cloud metadata services answer, and fe80::/10),
 * shared address space (RFC 6598), loopback, unspecified and multicast. A receiver named
 * localhost / 127.0.0.1 / [::1] in the URL itself stays allowed: the operator's own local receiver.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["169.254.0.0", 16],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["0.0.0.0", 8],
  ["224.0.0.0", 4],
] as const)
  blocked.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["fc00::", 7],
  ["fe80::", 10],
  ["::1", 128],
  ["::", 128],
  ["ff00::", 8],
] as const)
  blocked.addSubnet(network, prefix, "ipv6");

const loopbackNames = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Why `url` must not be posted to, or null: its host resolves to a blocked address. */
export async function forbiddenWebhookTarget(
  url: string,
  resolve: (host: string) => Promise<{ address: string; family: number }[]> = (host) =>
    lookup(host, { all: true }),
): Promise<string | null> {
  const { hostname } = new URL(url);
  if (loopbackNames.has(hostname)) return null;
  const host = hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  const bad = addresses.find((a) => blocked.check(a.address, a.family === 6 ? "ipv6" : "ipv4"));
  return bad
    ? `${hostname} resolves to ${bad.address}, a private, link-local or loopback address; webhooks go to public receivers only`
    : null;
}

/**
 * POSTs `body` signed with `secret`, retrying timeouts, connection errors, 408, 429 and 5xx with
 * backoff. Never throws: every attempt is reported to `onAttempt` (the delivery log) and the last one
 * is returned.
 */
export async function postSignedWebhook(options: {
  url: string;
  secret: string;
  body: string;
  deliveryId: string;
  policy?: Partial<WebhookRetryPolicy>;
  onAttempt?: (attempt: WebhookAttempt) => Promise<void>;
}): Promise<WebhookAttempt> {
  const policy = { ...defaultWebhookRetry, ...options.policy };
  let last: WebhookAttempt = { attempt: 0, ok: false, error: "not attempted", permanent: false };
  const forbidden = await forbiddenWebhookTarget(options.url).catch(() => null);
  if (forbidden) {
    last = { attempt: 1, ok: false, error: `refused: ${forbidden}`, permanent: true };
    await options.onAttempt?.(last);
    return last;
  }
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Canopy-Alerts/1",
          [timestampHeader]: String(timestamp),
          [signatureHeader]: signWebhook(options.secret, timestamp, options.body),
          [deliveryHeader]: options.deliveryId,
        },
        body: options.body,
        redirect: "manual",
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      const retryable =
        response.status === 408 || response.status === 429 || response.status >= 500;
      last = {
        attempt,
        ok,
        statusCode: response.status,
        ...(ok ? {} : { error: `HTTP ${response.status} ${response.statusText}`.trim() }),
        permanent: !ok && !retryable,
      };
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.name === "TimeoutError"
            ? `no answer within ${policy.timeoutMs} ms`
            : `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}`
          : String(error);
      last = { attempt, ok: false, error: reason, permanent: false };
    }
    await options.onAttempt?.(last);
    if (last.ok || last.permanent) return last;
    if (attempt < policy.attempts) await sleep(policy.backoffMs * 4 ** (attempt - 1));
  }
  return last;
}
