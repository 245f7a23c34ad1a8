import "server-only";
import { ApiError } from "./api-error";
import { publicUrl, serverEnv } from "./env";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The app's own origin (CANOPY_PUBLIC_URL, else http://localhost:$PORT) and CANOPY_ALLOWED_ORIGINS. */
export function allowedOrigins(): string[] {
  const extra = (serverEnv().CANOPY_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((value) => value.trim())
    .filter(Boolean);
  return [...new Set([publicUrl(), ...extra].map((url) => new URL(url).origin))];
}

/** The request's Origin, else its Referer's origin; null when neither is present or readable. */
function requestOrigin(headers: Headers): string | null {
  const origin = headers.get("origin");
  if (origin && origin !== "null") return origin;
  const referer = headers.get("referer");
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

/**
 * CSRF protection for requests authenticated by the session cookie: a change (any method but GET,
 * HEAD, OPTIONS) must come from one of `allowedOrigins()` by its Origin (or, without one, Referer)
 * header; absent or foreign → 403. Requests with an API key carry no ambient credential and are not
 * checked.
 */
export function assertSameOrigin(request: Request): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  const origin = requestOrigin(request.headers);
  if (origin && allowedOrigins().includes(origin)) return;
  throw new ApiError(
    403,
    "forbidden_origin",
    origin
      ? `Requests from ${origin} may not change data with a session cookie; use an API key, or add the origin to CANOPY_ALLOWED_ORIGINS.`
      : "A change authenticated by a session cookie needs an Origin or Referer header of this app's own origin.",
  );
}
