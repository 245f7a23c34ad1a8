/**
 * Organization, member and invitation changes that reach Better Auth — a client POSTing to
 * /api/auth/organization/* directly, or our server actions calling auth().api — write exactly one
 * audit_log row each, with the actor; organization names and slugs are checked on the server (400
 * naming the field); deleting an organization is refused; and a report of an organization whose
 * stored slug is not ASCII (old data) still downloads, with an RFC 6266 Content-Disposition.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import "./next-headers-mock";
import { actAs } from "./next-headers-mock";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, ownerReport, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as authRoute from "@/app/api/auth/[...all]/route";
import { GET as pageDownload } from "@/app/(app)/reports/[id]/download/route";
import { GET as apiDownload } from "@/app/api/v1/reports/[id]/download/route";
import { inviteMember } from "@/app/actions/members";
import { auth } from "@/lib/server/auth";

let db: TestDatabase;
let owner: TestUser;
let admin: TestUser;
let tenantId: string;

type AuditRow = {
  id: number;
  action: string;
  actor_user_id: string | null;
  actor_label: string;
  target_type: string;
  target_id: string | null;
  details: Record<string, unknown>;
};

/** The audit rows of `tenant` written by `fn`. */
async function auditedBy(tenant: string, fn: () => Promise<unknown>): Promise<AuditRow[]> {
  const last = await db.owner.pool.query<{ id: string | null }>(
    "SELECT max(id)::text AS id FROM audit_log WHERE tenant_id = $1",
    [tenant],
  );
  await fn();
  const { rows } = await db.owner.pool.query<AuditRow>(
    `SELECT id, action, actor_user_id, actor_label, target_type, target_id, details
     FROM audit_log WHERE tenant_id = $1 AND id > $2 ORDER BY id`,
    [tenant, last.rows[0]?.id ?? 0],
  );
  return rows;
}

/** A POST straight to Better Auth's endpoint through the app's /api/auth route, as a browser would. */
async function authPost(path: string, credential: TestUser, json: unknown) {
  return call(authRoute.POST, {
    path: `/api/auth${path}`,
    method: "POST",
    credential,
    json,
  });
}

async function memberId(tenant: string, user: TestUser): Promise<string> {
  const { rows } = await db.owner.pool.query<{ id: string }>(
    "SELECT id FROM memberships WHERE tenant_id = $1 AND user_id = $2",
    [tenant, user.userId],
  );
  return rows[0]!.id;
}

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@orgaudit.test");
  admin = await signUp("admin@orgaudit.test");
  tenantId = await createOrganization(owner, "Audit Org");
  await addMember(db, tenantId, admin, "admin");
});
afterAll(async () => tearDownWebTestDatabase(db));

describe("Better Auth organization endpoints, called directly, are audited once each", () => {
  it("create: one organization.create row by its creator, in the new organization", async () => {
    const founder = await signUp("founder@orgaudit.test");
    const created = await authPost("/organization/create", founder, {
      name: "  Founded Org ",
      slug: "founded-org",
    });
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    expect(created.body.name).toBe("Founded Org");
    const { rows } = await db.owner.pool.query<AuditRow>(
      "SELECT action, actor_user_id, actor_label, target_type, target_id, details FROM audit_log WHERE tenant_id = $1",
      [id],
    );
    expect(rows).toEqual([
      {
        action: "organization.create",
        actor_user_id: founder.userId,
        actor_label: "founder@orgaudit.test",
        target_type: "organization",
        target_id: id,
        details: { name: "Founded Org", slug: "founded-org" },
      },
    ]);
  });

  it("update: one organization.update row with the name and slug before and after", async () => {
    const rows = await auditedBy(tenantId, async () => {
      const updated = await authPost("/organization/update", owner, {
        organizationId: tenantId,
        data: { name: " Audit Org Renamed ", slug: "audit-org-renamed" },
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ name: "Audit Org Renamed", slug: "audit-org-renamed" });
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "organization.update",
      actor_user_id: owner.userId,
      actor_label: owner.email,
      target_type: "organization",
      target_id: tenantId,
      details: {
        name: { from: "Audit Org", to: "Audit Org Renamed" },
        slug: { from: "audit-org", to: "audit-org-renamed" },
      },
    });
  });

  it("update-member-role: one member.role_change row with from and to, by the caller", async () => {
    const analyst = await signUp("analyst@orgaudit.test");
    const target = await addMember(db, tenantId, analyst, "viewer");
    const rows = await auditedBy(tenantId, async () => {
      const changed = await authPost("/organization/update-member-role", admin, {
        organizationId: tenantId,
        memberId: target,
        role: "analyst",
      });
      expect(changed.status).toBe(200);
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "member.role_change",
      actor_user_id: admin.userId,
      actor_label: admin.email,
      target_type: "member",
      target_id: target,
      details: { userId: analyst.userId, from: "viewer", to: "analyst" },
    });
    // A refused change (an admin may not make an owner) writes nothing.
    const refused = await auditedBy(tenantId, async () => {
      const denied = await authPost("/organization/update-member-role", admin, {
        organizationId: tenantId,
        memberId: target,
        role: "owner",
      });
      expect(denied.status).toBe(403);
    });
    expect(refused).toEqual([]);
  });

  it("remove-member: one member.remove row by the remover", async () => {
    const leaving = await signUp("removed@orgaudit.test");
    const target = await addMember(db, tenantId, leaving, "analyst");
    const rows = await auditedBy(tenantId, async () => {
      const removed = await authPost("/organization/remove-member", owner, {
        organizationId: tenantId,
        memberIdOrEmail: target,
      });
      expect(removed.status).toBe(200);
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "member.remove",
      actor_user_id: owner.userId,
      target_type: "member",
      target_id: target,
      details: { userId: leaving.userId, role: "analyst" },
    });
  });

  it("leave: one member.leave row by the member who left", async () => {
    const leaver = await signUp("leaver@orgaudit.test");
    const target = await addMember(db, tenantId, leaver, "viewer");
    const rows = await auditedBy(tenantId, async () => {
      expect(
        (await authPost("/organization/leave", leaver, { organizationId: tenantId })).status,
      ).toBe(200);
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "member.leave",
      actor_user_id: leaver.userId,
      actor_label: leaver.email,
      target_id: target,
      details: { userId: leaver.userId, role: "viewer" },
    });
  });

  it("invitations: create, cancel, accept and reject write one row each, with the right actor", async () => {
    const invite = (email: string) =>
      authPost("/organization/invite-member", admin, {
        organizationId: tenantId,
        email,
        role: "finance",
      });
    let invitationId = "";
    const invited = await auditedBy(tenantId, async () => {
      const response = await invite("cancelled@orgaudit.test");
      expect(response.status).toBe(200);
      invitationId = response.body.id as string;
    });
    expect(invited).toHaveLength(1);
    expect(invited[0]).toMatchObject({
      action: "member.invite",
      actor_user_id: admin.userId,
      target_type: "invitation",
      target_id: invitationId,
      details: { email: "cancelled@orgaudit.test", role: "finance" },
    });

    const cancelled = await auditedBy(tenantId, async () => {
      expect(
        (await authPost("/organization/cancel-invitation", owner, { invitationId })).status,
      ).toBe(200);
    });
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]).toMatchObject({
      action: "member.invitation_cancel",
      actor_user_id: owner.userId,
      target_id: invitationId,
      details: { email: "cancelled@orgaudit.test" },
    });

    const joining = await signUp("joining@orgaudit.test");
    const toAccept = (await invite(joining.email)).body.id as string;
    const accepted = await auditedBy(tenantId, async () => {
      expect(
        (await authPost("/organization/accept-invitation", joining, { invitationId: toAccept }))
          .status,
      ).toBe(200);
    });
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({
      action: "member.invitation_accept",
      actor_user_id: joining.userId,
      actor_label: joining.email,
      target_type: "member",
      target_id: await memberId(tenantId, joining),
      details: { invitationId: toAccept, email: joining.email, role: "finance" },
    });

    const declining = await signUp("declining@orgaudit.test");
    const toReject = (await invite(declining.email)).body.id as string;
    const rejected = await auditedBy(tenantId, async () => {
      expect(
        (await authPost("/organization/reject-invitation", declining, { invitationId: toReject }))
          .status,
      ).toBe(200);
    });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      action: "member.invitation_reject",
      actor_user_id: declining.userId,
      target_id: toReject,
    });
  });

  it("the invite server action goes through the same path: still one member.invite row", async () => {
    actAs(admin);
    const rows = await auditedBy(tenantId, async () => {
      const invited = await inviteMember({ email: "action@orgaudit.test", role: "viewer" });
      expect(invited.ok).toBe(true);
    });
    expect(rows.map((r) => [r.action, r.actor_label, r.details])).toEqual([
      ["member.invite", admin.email, { email: "action@orgaudit.test", role: "viewer" }],
    ]);
  });

  it("says so (500) when the audit row cannot be written, never answering 200 without it", async () => {
    const someone = await signUp("unaudited@orgaudit.test");
    const target = await addMember(db, tenantId, someone, "viewer");
    // Only this scratch database's table: the app role may not insert audit rows for a moment.
    await db.owner.pool.query("REVOKE INSERT ON audit_log FROM canopy_app_role");
    try {
      const changed = await authPost("/organization/update-member-role", owner, {
        organizationId: tenantId,
        memberId: target,
        role: "analyst",
      });
      expect(changed.status).toBe(500);
      expect(changed.body.code).toBe("AUDIT_WRITE_FAILED");
    } finally {
      await db.owner.pool.query("GRANT INSERT ON audit_log TO canopy_app_role");
    }
  });

  it("refuses the server-only addMember API (members join by invitation)", async () => {
    const outsider = await signUp("added@orgaudit.test");
    await expect(
      auth().api.addMember({
        body: { userId: outsider.userId, organizationId: tenantId, role: "viewer" },
      }),
    ).rejects.toMatchObject({ statusCode: 403, body: { code: "ADD_MEMBER_NOT_SUPPORTED" } });
    const { rows } = await db.owner.pool.query(
      "SELECT 1 FROM memberships WHERE tenant_id = $1 AND user_id = $2",
      [tenantId, outsider.userId],
    );
    expect(rows).toEqual([]);
  });

  it("refuses deleting an organization (its audit log would go with it)", async () => {
    const refused = await authPost("/organization/delete", owner, { organizationId: tenantId });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("ORGANIZATION_DELETION_NOT_SUPPORTED");
    const { rows } = await db.owner.pool.query("SELECT 1 FROM tenants WHERE id = $1", [tenantId]);
    expect(rows).toHaveLength(1);
  });
});

describe("organization names and slugs are checked on the server", () => {
  const create = (user: TestUser, name: unknown, slug: unknown) =>
    authPost("/organization/create", user, { name, slug });

  it("answers 400 naming the slug for anything but 2–48 of a–z, 0–9 and single hyphens", async () => {
    const user = await signUp("slugs@orgaudit.test");
    for (const slug of [
      "org-😀",
      "Org",
      "a",
      "-org",
      "org-",
      "org--x",
      "org x",
      "org_x",
      "x".repeat(49),
    ]) {
      const response = await create(user, "Some Org", slug);
      expect(response.status, slug).toBe(400);
      expect(response.body.code, slug).toBe("INVALID_ORGANIZATION_SLUG");
      expect(response.body.message, slug).toMatch(/^Invalid organization slug: /);
    }
    const { rows } = await db.owner.pool.query("SELECT slug FROM tenants WHERE name = 'Some Org'");
    expect(rows).toEqual([]);
    expect((await create(user, "Some Org", "x".repeat(48))).status).toBe(200);
  });

  it("answers 400 naming the name when blank, too long or with control characters; trims it", async () => {
    const user = await signUp("names@orgaudit.test");
    for (const name of ["   ", "x".repeat(101), "Bad\u0007Name", "Tab\tName", "Line\nBreak"]) {
      const response = await create(user, name, "named-org");
      expect(response.status, JSON.stringify(name)).toBe(400);
      expect(response.body.code, JSON.stringify(name)).toBe("INVALID_ORGANIZATION_NAME");
      expect(response.body.message).toMatch(/^Invalid organization name: /);
    }
    const ok = await create(user, "  Café 😀 Örg  ", "named-org");
    expect(ok.status).toBe(200);
    expect(ok.body.name).toBe("Café 😀 Örg");
  });

  it("checks the fields an update changes, and an invalid update changes and audits nothing", async () => {
    const user = await signUp("updates@orgaudit.test");
    const id = await createOrganization(user, "Update Org");
    const rows = await auditedBy(id, async () => {
      const badSlug = await authPost("/organization/update", user, {
        organizationId: id,
        data: { slug: "update-org-😀" },
      });
      expect(badSlug.status).toBe(400);
      expect(badSlug.body.code).toBe("INVALID_ORGANIZATION_SLUG");
      const badName = await authPost("/organization/update", user, {
        organizationId: id,
        data: { name: "x".repeat(101) },
      });
      expect(badName.status).toBe(400);
      expect(badName.body.code).toBe("INVALID_ORGANIZATION_NAME");
    });
    expect(rows).toEqual([]);
    const { rows: stored } = await db.owner.pool.query(
      "SELECT name, slug FROM tenants WHERE id = $1",
      [id],
    );
    expect(stored).toEqual([{ name: "Update Org", slug: "update-org" }]);
  });
});

describe("a report of an organization with a non-ASCII slug (stored before slugs were checked)", () => {
  it("downloads in every format with an ASCII filename and a UTF-8 filename*", async () => {
    const user = await signUp("emoji@orgaudit.test");
    const id = await createOrganization(user, "Emoji Org");
    await db.owner.pool.query("UPDATE tenants SET slug = $2, name = $3 WHERE id = $1", [
      id,
      "org-😀",
      "Örg 😀",
    ]);
    const reportId = await ownerReport(db, id, user);
    for (const format of ["pdf", "xlsx", "csv"]) {
      const response = await pageDownload(
        new Request(`http://localhost:3999/reports/${reportId}/download?format=${format}`, {
          headers: { cookie: user.cookie },
        }),
        { params: Promise.resolve({ id: reportId }) },
      );
      expect(response.status, format).toBe(200);
      expect(response.headers.get("content-disposition")).toBe(
        `attachment; filename="canopy-report-org-_-2025-01-v1-draft.${format}"; ` +
          `filename*=UTF-8''canopy-report-org-%F0%9F%98%80-2025-01-v1-draft.${format}`,
      );
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const viaApi = await apiDownload(
      new Request(`http://localhost:3999/api/v1/reports/${reportId}/download?format=csv`, {
        headers: { cookie: user.cookie },
      }),
      { params: Promise.resolve({ id: reportId }) },
    );
    expect(viaApi.status).toBe(200);
    expect(viaApi.headers.get("content-disposition")).toContain(
      "filename*=UTF-8''canopy-report-org-%F0%9F%98%80-2025-01-v1-draft.csv",
    );
  });
});
