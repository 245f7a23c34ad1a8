import "server-only";
import { countRateLimitedRequest, pruneRateLimits } from "@canopy/db";
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
  const row = await countRateLimitedRequest(authDb(), key, now, windowMs);
  if (now - lastPrune > 60_000) {
    lastPrune = now;
    void pruneRateLimits(authDb(), now - PRUNE_AFTER_MS).catch(() => undefined);
  }
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
