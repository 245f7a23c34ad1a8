import type { Connection } from "../client";

/** rate_limits: one counter per key and window (not tenant data; the auth connection writes it). */

/**
 * Counts one request for `key` in a fixed window of `windowMs` ending at `nowMs`: the counter starts
 * again at 1 once the window has passed. Returns the count and the window's first request (epoch ms).
 */
export async function countRateLimitedRequest(
  connection: Connection,
  key: string,
  nowMs: number,
  windowMs: number,
): Promise<{ count: number; last_request: string }> {
  const { rows } = await connection.pool.query<{ count: number; last_request: string }>(
    `INSERT INTO rate_limits (key, count, last_request) VALUES ($1, 1, $2)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limits.last_request <= $2 - $3 THEN 1 ELSE rate_limits.count + 1 END,
       last_request = CASE WHEN rate_limits.last_request <= $2 - $3 THEN $2 ELSE rate_limits.last_request END
     RETURNING count, last_request`,
    [key, nowMs, windowMs],
  );
  return rows[0]!;
}

/** Deletes counters whose last window started before `beforeMs` (epoch ms). */
export async function pruneRateLimits(connection: Connection, beforeMs: number): Promise<void> {
  await connection.pool.query("DELETE FROM rate_limits WHERE last_request < $1", [beforeMs]);
}
