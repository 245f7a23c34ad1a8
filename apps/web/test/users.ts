import { auth } from "@/lib/server/auth";
import type { RoleName } from "@/lib/role-rank";
import type { TestDatabase } from "@canopy/db/testing";
import { generateReport, parsePeriod } from "@canopy/reports";

export type TestUser = { userId: string; email: string; cookie: string };

/** Signs a user up through Better Auth and returns their session cookie. */
export async function signUp(email: string, name = email.split("@")[0]!): Promise<TestUser> {
  const response = await auth().api.signUpEmail({
    body: { email, password: "correct-horse-battery", name },
    asResponse: true,
  });
  if (!response.ok) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { user: { id: string } };
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { userId: body.user.id, email, cookie };
}

/** Creates an organization owned by `owner` (it becomes their active one). */
export async function createOrganization(owner: TestUser, name: string): Promise<string> {
  const org = await auth().api.createOrganization({
    headers: new Headers({ cookie: owner.cookie }),
    body: { name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, "-") },
  });
  if (!org) throw new Error("organization not created");
  return org.id;
}

/** Adds a member directly (as the owner role would through an accepted invitation). */
export async function addMember(
  db: TestDatabase,
  tenantId: string,
  user: TestUser,
  role: RoleName,
): Promise<string> {
  const result = await db.owner.pool.query<{ id: string }>(
    "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) RETURNING id",
    [tenantId, user.userId, role],
  );
  await db.owner.pool.query("UPDATE sessions SET active_tenant_id = $1 WHERE user_id = $2", [
    tenantId,
    user.userId,
  ]);
  return result.rows[0]!.id;
}

export function headersFor(
  credential: { cookie?: string; apiKey?: string },
  extra: Record<string, string> = {},
): Headers {
  const headers = new Headers(extra);
  if (credential.cookie) headers.set("cookie", credential.cookie);
  if (credential.apiKey) headers.set("authorization", `Bearer ${credential.apiKey}`);
  return headers;
}

/** A draft report of `period` (default January 2025) in `tenantId`, generated as its owner; its id. */
export async function ownerReport(
  db: TestDatabase,
  tenantId: string,
  owner: TestUser,
  period = "2025-01",
): Promise<string> {
  const { report } = await generateReport(
    db.app,
    tenantId,
    { period: parsePeriod(period) },
    { userId: owner.userId, role: "owner" },
  );
  return report.id;
}
