/**
 * CANOPY_SIGN_UP=invitation: the first user of an empty instance may sign up (the operator), after
 * that only an email with a pending, unexpired invitation or at a domain of CANOPY_SIGN_UP_DOMAINS;
 * anyone else gets a 403 that says how to get in, and no user row is created.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import "./next-headers-mock";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp } from "./users";
import { auth } from "@/lib/server/auth";

let db: TestDatabase;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  vi.stubEnv("CANOPY_SIGN_UP", "invitation");
  // signup.test is not an allowed domain: the invitation rules apply to it.
  vi.stubEnv("CANOPY_SIGN_UP_DOMAINS", "Example.com, example.org");
});
afterAll(async () => tearDownWebTestDatabase(db));

const users = async () =>
  (await db.owner.pool.query<{ email: string }>("SELECT email FROM users ORDER BY email")).rows.map(
    (row) => row.email,
  );

describe("sign-up by invitation", () => {
  it("lets the first user in, then only invited emails", async () => {
    const operator = await signUp("operator@signup.test");
    const tenantId = await createOrganization(operator, "Signup Org");

    const stranger = await auth().api.signUpEmail({
      body: { email: "stranger@signup.test", password: "correct-horse-battery", name: "S" },
      asResponse: true,
    });
    expect(stranger.status).toBe(403);
    expect(await stranger.text()).toContain(
      "or by invitation. Use your work address, or ask an administrator of your organization to invite this email address.",
    );

    await db.owner.pool.query(
      `INSERT INTO invitations (tenant_id, email, role, status, inviter_id, expires_at)
       VALUES ($1, 'Invited@Signup.test', 'viewer', 'pending', $2, now() + interval '1 day'),
              ($1, 'late@signup.test', 'viewer', 'pending', $2, now() - interval '1 minute'),
              ($1, 'cancelled@signup.test', 'viewer', 'canceled', $2, now() + interval '1 day')`,
      [tenantId, operator.userId],
    );
    await expect(signUp("invited@signup.test")).resolves.toMatchObject({
      email: "invited@signup.test",
    });
    await expect(signUp("late@signup.test")).rejects.toThrow(/403/);
    await expect(signUp("cancelled@signup.test")).rejects.toThrow(/403/);
    expect(await users()).toEqual(["invited@signup.test", "operator@signup.test"]);
  });

  it("with allowed domains, lets their addresses in without an invitation, and names them to others", async () => {
    await signUp("Ana@EXAMPLE.com");
    await signUp("bo@example.org");
    expect(await users()).toEqual(expect.arrayContaining(["ana@example.com", "bo@example.org"]));
    const sub = await auth().api.signUpEmail({
      body: { email: "eve@mail.example.com", password: "correct-horse-battery", name: "E" },
      asResponse: true,
    });
    expect(sub.status).toBe(403);
    expect(await sub.text()).toContain(
      "This Canopy instance creates accounts for addresses at example.com, example.org, or by invitation.",
    );
    expect(await users()).not.toContain("eve@mail.example.com");
  });
});
