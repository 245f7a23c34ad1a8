import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local OpenID Connect provider on 127.0.0.1 for the single sign-on tests: a contract server that
 * refuses what a real provider refuses (OpenID Connect Core 1.0 §3.1, RFC 6749 §4.1, RFC 7636):
 * - discovery at /.well-known/openid-configuration (OpenID Connect Discovery 1.0 §4), RS256 keys at jwks_uri;
 * - /authorize: a known client_id, the exact registered redirect_uri (else 400, never a redirect),
 *   response_type=code, scope with openid, a state, and PKCE with S256 (else error=invalid_request
 *   back to the client); the configured user is "signed in" and a one-time code issued (60 s);
 * - /token: POST form, grant_type=authorization_code, the client's secret (HTTP Basic or body),
 *   a code not used before and not expired, the same redirect_uri, and a code_verifier whose S256
 *   hash is the challenge (else 400 invalid_grant / 401 invalid_client); answers an RS256-signed ID
 *   token (iss, sub, aud, exp, iat, nonce, email, email_verified, name) and an access token;
 * - /userinfo: the access token as a Bearer token (else 401).
 */
export type FakeOidcUser = { sub: string; email: string; name: string; emailVerified?: boolean };

export type FakeOidc = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization signs in. */
  signInAs(user: FakeOidcUser): void;
  requests: { method: string; path: string }[];
  close(): Promise<void>;
};

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export async function startFakeOidc(options: { redirectUri: string }): Promise<FakeOidc> {
  const clientId = "canopy-test-client";
  const clientSecret = randomBytes(16).toString("hex");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(6).toString("hex");
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  let user: FakeOidcUser = { sub: "u-1", email: "ana@example.com", name: "Ana" };
  const codes = new Map<
    string,
    { challenge: string; redirectUri: string; nonce?: string; user: FakeOidcUser; expires: number }
  >();
  const accessTokens = new Map<string, FakeOidcUser>();
  const requests: FakeOidc["requests"] = [];
  let issuer = "";

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };
  const idToken = (claims: Record<string, unknown>) => {
    const input = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign("RSA-SHA256", Buffer.from(input), privateKey))}`;
  };
  const readForm = async (req: IncomingMessage) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    return new URLSearchParams(body);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    requests.push({ method: req.method ?? "GET", path: url.pathname });
    if (url.pathname === "/.well-known/openid-configuration")
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid", "email", "profile"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["authorization_code"],
      });
    if (url.pathname === "/jwks") return json(res, 200, { keys: [jwk] });
    if (url.pathname === "/authorize") {
      const q = url.searchParams;
      if (q.get("client_id") !== clientId) return json(res, 400, { error: "invalid_client" });
      if (q.get("redirect_uri") !== options.redirectUri)
        return json(res, 400, {
          error: "invalid_request",
          error_description: "redirect_uri is not registered",
        });
      const back = new URL(options.redirectUri);
      const refuse = (description: string) => {
        back.searchParams.set("error", "invalid_request");
        back.searchParams.set("error_description", description);
        if (q.get("state")) back.searchParams.set("state", q.get("state")!);
        res.writeHead(302, { location: back.toString() });
        res.end();
      };
      if (q.get("response_type") !== "code") return refuse("response_type must be code");
      if (!(q.get("scope") ?? "").split(" ").includes("openid"))
        return refuse("scope must include openid");
      if (!q.get("state")) return refuse("state is required");
      if (!q.get("code_challenge") || q.get("code_challenge_method") !== "S256")
        return refuse("PKCE with S256 is required");
      const code = randomBytes(16).toString("hex");
      codes.set(code, {
        challenge: q.get("code_challenge")!,
        redirectUri: q.get("redirect_uri")!,
        ...(q.get("nonce") ? { nonce: q.get("nonce")! } : {}),
        user,
        expires: Date.now() + 60_000,
      });
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state")!);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === "/token") {
      if (req.method !== "POST") return json(res, 405, { error: "invalid_request" });
      const form = await readForm(req);
      const basic = (req.headers.authorization ?? "").replace(/^Basic /, "");
      const [basicId, basicSecret] = basic
        ? Buffer.from(basic, "base64").toString().split(":").map(decodeURIComponent)
        : [form.get("client_id"), form.get("client_secret")];
      if (basicId !== clientId || basicSecret !== clientSecret)
        return json(res, 401, { error: "invalid_client" });
      if (form.get("grant_type") !== "authorization_code")
        return json(res, 400, { error: "unsupported_grant_type" });
      const grant = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      if (!grant || grant.expires < Date.now() || grant.redirectUri !== form.get("redirect_uri"))
        return json(res, 400, { error: "invalid_grant" });
      const verifier = form.get("code_verifier") ?? "";
      if (b64url(createHash("sha256").update(verifier).digest()) !== grant.challenge)
        return json(res, 400, {
          error: "invalid_grant",
          error_description: "PKCE verification failed",
        });
      const now = Math.floor(Date.now() / 1000);
      const accessToken = randomBytes(16).toString("hex");
      accessTokens.set(accessToken, grant.user);
      return json(res, 200, {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: 3600,
        scope: "openid email profile",
        id_token: idToken({
          iss: issuer,
          sub: grant.user.sub,
          aud: clientId,
          iat: now,
          exp: now + 300,
          ...(grant.nonce ? { nonce: grant.nonce } : {}),
          email: grant.user.email,
          email_verified: grant.user.emailVerified ?? true,
          name: grant.user.name,
        }),
      });
    }
    if (url.pathname === "/userinfo") {
      const who = accessTokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!who) return json(res, 401, { error: "invalid_token" });
      return json(res, 200, {
        sub: who.sub,
        email: who.email,
        email_verified: who.emailVerified ?? true,
        name: who.name,
      });
    }
    json(res, 404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    clientId,
    clientSecret,
    signInAs: (next) => void (user = next),
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
