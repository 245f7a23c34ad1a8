import "server-only";
import { tenantDataVersion } from "@canopy/db";
import { serverEnv } from "./env";
import type { TenantScope } from "./tenant-scope";

/**
 * Responses of the emission read routes, per organization, kept while the organization's data version
 * (@canopy/db data-version.ts) is the one they were computed at: a write that changes what they read
 * (an import, a sync, a re-estimation, an account change) moves the version, and the next request
 * computes afresh. Every web process keeps its own, bounded by CANOPY_READ_CACHE_MB; the least
 * recently used responses go first.
 */
type Cached = { body: string; headers: [string, string][] };

const entries = new Map<string, Cached>();
const computing = new Map<string, Promise<Cached | null>>();
let bytesHeld = 0;

const capacityBytes = () => serverEnv().CANOPY_READ_CACHE_MB * 1024 * 1024;

/**
 * The response cached for this request at the organization's current data version, or the handler's
 * response (kept when it is a 200). The key also holds the UTC day: ranges without dates resolve
 * against today.
 */
export async function cachedRead(
  scope: TenantScope,
  request: Request,
  handler: () => Promise<Response>,
): Promise<Response> {
  const capacity = capacityBytes();
  if (capacity === 0 || request.method !== "GET") return handler();
  const version = await scope.sql(tenantDataVersion);
  const url = new URL(request.url);
  url.searchParams.sort();
  const key = [
    scope.principal.tenantId,
    version,
    new Date().toISOString().slice(0, 10),
    url.pathname,
    url.search,
  ].join("\u0000");
  const hit = entries.get(key);
  if (hit) {
    // Re-inserted: Map order is the recency order.
    entries.delete(key);
    entries.set(key, hit);
    return respond(hit, "hit");
  }
  // Requests that miss together (every dashboard open right after an import) share one computation.
  const running = computing.get(key);
  if (running) {
    const shared = await running;
    if (shared) return respond(shared, "shared");
    return handler();
  }
  let settle!: (cached: Cached | null) => void;
  computing.set(key, new Promise((resolve) => (settle = resolve)));
  try {
    const response = await handler();
    if (response.status !== 200) {
      settle(null);
      return response;
    }
    const cached: Cached = { body: await response.text(), headers: [...response.headers] };
    remember(key, cached, capacity);
    settle(cached);
    return respond(cached, "miss");
  } catch (error) {
    settle(null);
    throw error;
  } finally {
    computing.delete(key);
  }
}

function respond(cached: Cached, outcome: "hit" | "shared" | "miss"): Response {
  const headers = new Headers(cached.headers);
  headers.set("x-canopy-cache", outcome);
  return new Response(cached.body, { status: 200, headers });
}

function remember(key: string, cached: Cached, capacity: number) {
  const size = sizeOf(key, cached);
  if (size > capacity) return;
  entries.set(key, cached);
  bytesHeld += size;
  for (const [oldest, entry] of entries) {
    if (bytesHeld <= capacity) break;
    entries.delete(oldest);
    bytesHeld -= sizeOf(oldest, entry);
  }
}

// UTF-16 in memory: two bytes a character.
const sizeOf = (key: string, cached: Cached) => 2 * (key.length + cached.body.length) + 256;
