/**
 * OpenID Connect single sign-on (CANOPY_OIDC_*) against a local contract provider (test/fake-oidc.ts):
 * the full authorization code flow with PKCE through Canopy's own auth route, the ID token verified
 * against the provider's keys, and the sign-up policy applied to new users exactly as for passwords.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import "./next-headers-mock";
import { startFakeOidc, type FakeOidc } from "./fake-oidc";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { signUp } from "./users";
import * as authRoute from "@/app/api/auth/[...all]/route";
import { auth } from "@/lib/server/auth";

const base = "http://localhost:3999"; // test/harness.ts sets CANOPY_PUBLIC_URL
let db: TestDatabase;
let idp: FakeOidc;

beforeAll(async () => {
  idp = await startFakeOidc({ redirectUri: `${base}/api/auth/callback/oidc` });
  vi.stubEnv("CANOPY_OIDC_ISSUER", idp.issuer);
  vi.stubEnv("CANOPY_OIDC_CLIENT_ID", idp.clientId);
  vi.stubEnv("CANOPY_OIDC_CLIENT_SECRET", idp.clientSecret);
  vi.stubEnv("CANOPY_OIDC_NAME", "Example SSO");
  // Closed sign-up: only example.com addresses (or invitations) get accounts, by SSO too.
  vi.stubEnv("CANOPY_SIGN_UP", "invitation");
  vi.stubEnv("CANOPY_SIGN_UP_DOMAINS", "example.com");
  db = await setUpWebTestDatabase();
  await signUp("operator@example.com"); // the instance's first user
});
afterAll(async () => {
  await tearDownWebTestDatabase(db);
  await idp?.close();
});

const cookiesOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((c) => !c.endsWith("="));

/** Browser steps: start on Canopy, follow the provider's redirect, land on Canopy's callback. */
async function signInWithSso(): Promise<{ landing: Response; cookies: string[] }> {
  const start = await authRoute.POST(
    new Request(`${base}/api/auth/sign-in/social`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({
        provider: "oidc",
        callbackURL: "/",
        errorCallbackURL: "/sign-in?sso=failed",
      }),
    }),
  );
  expect(start.status).toBe(200);
  const { url } = (await start.json()) as { url: string };
  const authorize = new URL(url);
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.issuer}/authorize`);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  const provider = await fetch(url, { redirect: "manual" });
  expect(provider.status).toBe(302);
  const callback = provider.headers.get("location")!;
  expect(callback.startsWith(`${base}/api/auth/callback/oidc?`)).toBe(true);
  const landing = await authRoute.GET(
    new Request(callback, { headers: { cookie: cookiesOf(start).join("; ") } }),
  );
  return { landing, cookies: cookiesOf(landing) };
}

const userEmails = async () =>
  (await db.owner.pool.query<{ email: string }>("SELECT email FROM users ORDER BY email")).rows.map(
    (r) => r.email,
  );

describe("OpenID Connect single sign-on", () => {
  it("signs a new example.com user up and in through the provider", async () => {
    idp.signInAs({ sub: "okta|ana", email: "ana@example.com", name: "Ana" });
    const { landing, cookies } = await signInWithSso();
    expect(landing.status).toBe(302);
    expect(landing.headers.get("location")).toBe("/");
    const session = await auth().api.getSession({
      headers: new Headers({ cookie: cookies.join("; ") }),
    });
    expect(session?.user.email).toBe("ana@example.com");
    const { rows } = await db.owner.pool.query<{ provider_id: string; account_id: string }>(
      `SELECT a.provider_id, a.account_id FROM auth_accounts a JOIN users u ON u.id = a.user_id
       WHERE u.email = 'ana@example.com'`,
    );
    expect(rows).toEqual([{ provider_id: "oidc", account_id: "okta|ana" }]);
    // The tokens went through the provider's real checks: code exchanged with PKCE, keys fetched.
    expect(idp.requests.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        "/.well-known/openid-configuration",
        "/authorize",
        "/token",
        "/jwks",
      ]),
    );
  });

  it("refuses a user the sign-up policy refuses, and creates no account", async () => {
    idp.signInAs({ sub: "okta|eve", email: "eve@elsewhere.test", name: "Eve" });
    const { landing, cookies } = await signInWithSso();
    expect(landing.status).toBe(302);
    expect(landing.headers.get("location")).toMatch(/^\/sign-in\?sso=failed/);
    expect(cookies.some((c) => c.includes("session_token"))).toBe(false);
    expect(await userEmails()).not.toContain("eve@elsewhere.test");
  });

  it("the provider refuses a wrong PKCE verifier and a code used twice (the fake's rules are real)", async () => {
    const token = (form: Record<string, string>) =>
      fetch(`${idp.issuer}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString("base64")}`,
        },
        body: new URLSearchParams(form),
      });
    const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // RFC 7636 appendix B
    const authorize = await fetch(
      `${idp.issuer}/authorize?${new URLSearchParams({
        client_id: idp.clientId,
        redirect_uri: `${base}/api/auth/callback/oidc`,
        response_type: "code",
        scope: "openid email",
        state: "s",
        code_challenge: challenge,
        code_challenge_method: "S256",
      })}`,
      { redirect: "manual" },
    );
    const code = new URL(authorize.headers.get("location")!).searchParams.get("code")!;
    const exchange = {
      grant_type: "authorization_code",
      code,
      redirect_uri: `${base}/api/auth/callback/oidc`,
    };
    expect((await token({ ...exchange, code_verifier: "wrong" })).status).toBe(400);
    // RFC 7636 appendix B's verifier matches its challenge, but the code was spent by the failed try.
    expect(
      (await token({ ...exchange, code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" }))
        .status,
    ).toBe(400);
    const plain = await fetch(
      `${idp.issuer}/authorize?${new URLSearchParams({
        client_id: idp.clientId,
        redirect_uri: `${base}/api/auth/callback/oidc`,
        response_type: "code",
        scope: "openid",
        state: "s",
      })}`,
      { redirect: "manual" },
    );
    expect(new URL(plain.headers.get("location")!).searchParams.get("error")).toBe(
      "invalid_request",
    );
  });
});
