import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as authRoute from "@/app/api/auth/[...all]/route";
import * as apiKeys from "@/app/api/v1/api-keys/route";
import { PEER_ADDRESS_HEADER } from "@/lib/security/client-address";

let db: TestDatabase;
let owner: TestUser;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@sec.test");
  await createOrganization(owner, "Sec Org");
});
afterAll(async () => tearDownWebTestDatabase(db));

const APP = "http://localhost:3999";

function signIn(email: string, headers: Record<string, string>) {
  return authRoute.POST(
    new Request(`${APP}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: APP, ...headers },
      body: JSON.stringify({ email, password: "wrong-password-123" }),
    }),
  );
}

describe("sign-in throttling", () => {
  it("keys on the socket's address: a new X-Forwarded-For per attempt still gets 429 after the limit", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 57; i++) {
      const response = await signIn(`guess${i}@sec.test`, {
        [PEER_ADDRESS_HEADER]: "203.0.113.7",
        "x-forwarded-for": `198.18.${i >> 8}.${i & 255}`,
        // A client naming the address the auth route sets is overwritten, too.
        "x-canopy-client-address": `198.19.0.${i}`,
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(5).filter((s) => s === 429)).toHaveLength(52);
  });

  it("limits attempts per account whatever the address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      const response = await signIn(i % 2 ? "OWNER@sec.test" : "owner@sec.test", {
        [PEER_ADDRESS_HEADER]: `192.0.2.${i + 1}`,
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    // Another account from a fresh address is not affected.
    expect((await signIn("other@sec.test", { [PEER_ADDRESS_HEADER]: "192.0.2.99" })).status).toBe(
      401,
    );
  });
});

describe("origin check on cookie-authenticated changes", () => {
  const createKey = (headers: Record<string, string>, credential = { cookie: owner.cookie }) =>
    call(apiKeys.POST, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential,
      json: { name: "csrf", role: "admin" },
      headers,
    });

  it("refuses a foreign or missing Origin with 403, accepts the app's own", async () => {
    const foreign = await createKey({ origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error?.code).toBe("forbidden_origin");
    expect((await createKey({ origin: "" })).status).toBe(403);
    expect((await createKey({ origin: "", referer: "https://evil.example/x" })).status).toBe(403);
    expect((await createKey({ origin: "", referer: `${APP}/settings/api-keys` })).status).toBe(201);
    const own = await createKey({ origin: APP });
    expect(own.status).toBe(201);
    // Reads are not affected.
    expect(
      (
        await call(apiKeys.GET, {
          path: "/api/v1/api-keys",
          credential: owner,
          headers: { origin: "https://evil.example" },
        })
      ).status,
    ).toBe(200);
    // An API key is not an ambient credential: any origin (or none) may use it.
    const key = own.body.key as string;
    expect(
      (await createKey({ origin: "https://evil.example" }, { apiKey: key } as never)).status,
    ).toBe(201);
    const { rows } = await db.owner.pool.query(
      "SELECT count(*)::int AS n FROM api_keys WHERE name = 'csrf'",
    );
    expect(rows[0].n).toBe(3);
  });

  it("refuses auth-library changes with the session cookie from a foreign origin", async () => {
    const response = await authRoute.POST(
      new Request(`${APP}/api/auth/organization/create`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          cookie: owner.cookie,
          origin: "https://evil.example",
        },
        body: JSON.stringify({ name: "Evil", slug: "evil" }),
      }),
    );
    expect(response.status).toBe(403);
  });
});
