import "server-only";
import {
  CLIENT_ADDRESS_HEADER,
  clientAddress,
  parseTrustedProxies,
  PEER_ADDRESS_HEADER,
} from "../security/client-address";
import { ApiError } from "./api-error";
import { auth } from "./auth";
import { serverEnv } from "./env";
import { assertSameOrigin } from "./origin";
import { consume, SIGN_IN_PER_EMAIL, tooManyRequests } from "./rate-limit";

/**
 * /api/auth/*: Better Auth's handler, with
 * - the client address resolved from the socket's peer and CANOPY_TRUSTED_PROXIES (never from a
 *   client-sent X-Forwarded-For alone) into CLIENT_ADDRESS_HEADER, the only header Better Auth's rate
 *   limit reads;
 * - a per-account limit on email sign-in (SIGN_IN_PER_EMAIL), whatever the address;
 * - the origin check on cookie-carrying changes (as for /api/v1).
 */
export async function handleAuthRequest(request: Request): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.delete(CLIENT_ADDRESS_HEADER);
  const address = clientAddress(
    request.headers.get(PEER_ADDRESS_HEADER),
    request.headers.get("x-forwarded-for"),
    parseTrustedProxies(serverEnv().CANOPY_TRUSTED_PROXIES),
  );
  if (address) headers.set(CLIENT_ADDRESS_HEADER, address);
  if (request.method === "GET" || request.method === "HEAD")
    return auth().handler(new Request(request.url, { method: request.method, headers }));

  if (request.headers.get("cookie")) {
    try {
      assertSameOrigin(request);
    } catch (error) {
      const e = error as ApiError;
      return Response.json({ code: e.code, message: e.message }, { status: 403 });
    }
  }
  const body = await request.text();
  if (new URL(request.url).pathname.endsWith("/sign-in/email")) {
    const email = emailOf(body);
    if (email) {
      const { allowed, retryAfter } = await consume(
        `email:${email}|/sign-in/email`,
        SIGN_IN_PER_EMAIL,
      );
      if (!allowed)
        return tooManyRequests(
          retryAfter ?? SIGN_IN_PER_EMAIL.window,
          "Too many sign-in attempts for this account. Please try again later.",
        );
    }
  }
  return auth().handler(
    new Request(request.url, { method: request.method, headers, body: body || null }),
  );
}

function emailOf(body: string): string | null {
  try {
    const email = (JSON.parse(body) as { email?: unknown }).email;
    return typeof email === "string" && email.trim() ? email.trim().toLowerCase() : null;
  } catch {
    return null;
  }
}
