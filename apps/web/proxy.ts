import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, newNonce } from "./lib/security/headers";

/**
 * Sets the Content-Security-Policy of every page and API response (see lib/security/headers.ts); the
 * other security headers come from next.config.ts. Pages get a per-request nonce, which Next.js reads
 * from the request's CSP header and puts on its scripts.
 */
export function proxy(request: NextRequest) {
  const isApi = request.nextUrl.pathname.startsWith("/api/");
  const csp = isApi
    ? contentSecurityPolicy({ kind: "api" })
    : contentSecurityPolicy({
        kind: "page",
        nonce: newNonce(),
        development: process.env.NODE_ENV === "development",
      });
  const requestHeaders = new Headers(request.headers);
  if (!isApi) requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  // Static assets need no policy (they get the static headers from next.config.ts). Nor does the
  // billing-file upload, POST /api/v1/imports, pass through here: for a proxy, Next.js copies the
  // request body (up to proxyClientMaxBodySize, 10 MB, dropping the rest) and holds the request until
  // the client has sent all of it, so a 10 GiB upload would be read to the end before the route could
  // answer 413, and a file over 10 MB would reach it cut short. next.config.ts gives that path the
  // API policy instead.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/v1/imports/?$).*)"],
};
