import "server-only";
import { authDb } from "./db";

export type RateRule = { window: number; max: number };

/** Sign-in attempts per account (email), from any address: 10 per 15 minutes. */
export const SIGN_IN_PER_EMAIL: RateRule = { window: 15 * 60, max: 10 };
/** Rows older than this are deleted (longer than any rule's window). */
const PRUNE_AFTER_MS = 24 * 60 * 60 * 1000;
let lastPrune = 0;

/**
 * One counter per key in `rate_limits`, a fixed window per rule: the first request of a window stores
 * its start in `last_request`, later ones add to `count` in the same atomic upsert, so concurrent
 * requests cannot all pass. Better Auth's IP limits (as its `customStorage`) and the per-account sign-in
 * limit share it, and pruning here knows every window (Better Auth's own pruning only knows its rules').
 */
export async function consume(
  key: string,
  rule: RateRule,
): Promise<{ allowed: boolean; retryAfter: number | null }> {
  const now = Date.now();
  const windowMs = rule.window * 1000;
  const { rows } = await authDb().pool.query<{ count: number; last_request: string }>(
    `INSERT INTO rate_limits (key, count, last_request) VALUES ($1, 1, $2)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limits.last_request <= $2 - $3 THEN 1 ELSE rate_limits.count + 1 END,
       last_request = CASE WHEN rate_limits.last_request <= $2 - $3 THEN $2 ELSE rate_limits.last_request END
     RETURNING count, last_request`,
    [key, now, windowMs],
  );
  if (now - lastPrune > 60_000) {
    lastPrune = now;
    void authDb()
      .pool.query("DELETE FROM rate_limits WHERE last_request < $1", [now - PRUNE_AFTER_MS])
      .catch(() => undefined);
  }
  const row = rows[0]!;
  if (row.count <= rule.max) return { allowed: true, retryAfter: null };
  return {
    allowed: false,
    retryAfter: Math.max(1, Math.ceil((Number(row.last_request) + windowMs - now) / 1000)),
  };
}

export const rateLimitStorage = { consume };

export function tooManyRequests(retryAfter: number, message: string): Response {
  return Response.json(
    { message, code: "TOO_MANY_REQUESTS" },
    {
      status: 429,
      headers: { "Retry-After": String(retryAfter), "X-Retry-After": String(retryAfter) },
    },
  );
}
