/**
 * Security headers of every response. The static ones are set for every path by `next.config.ts`
 * (`headers()`); the Content-Security-Policy by `proxy.ts`, since pages need a fresh nonce per request
 * (Next.js reads it from the request's CSP header and puts it on its own scripts).
 */

export type HeaderPair = { key: string; value: string };

/** Headers every response carries; HSTS only in production (development serves plain http). */
export function staticSecurityHeaders(options: { production: boolean }): HeaderPair[] {
  return [
    { key: "X-Frame-Options", value: "DENY" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
    ...(options.production
      ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }]
      : []),
  ];
}

/**
 * The page policy: scripts only with this request's nonce ('strict-dynamic' lets Next's loader add its
 * chunks), no 'unsafe-inline' for scripts or <style> elements. `style-src-attr 'unsafe-inline'` allows
 * inline style *attributes* only: React renders `style={…}` props as attributes in server HTML (chart
 * heights, progress bars) and ECharts writes its tooltip markup with style attributes; neither can carry
 * a nonce. Style attributes cannot run script. Development adds 'unsafe-eval' (React's dev tooling).
 * API responses (JSON, files) get a policy that allows nothing.
 */
export function contentSecurityPolicy(
  options: { kind: "page"; nonce: string; development: boolean } | { kind: "api" },
): string {
  if (options.kind === "api") return "default-src 'none'; frame-ancestors 'none'";
  const { nonce, development } = options;
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${development ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** A fresh nonce: 16 random bytes, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
