import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCredentials, loadKeyring } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import "./next-headers-mock";
import { actAs } from "./next-headers-mock";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, signUp, type TestUser } from "./users";
import { auth } from "@/lib/server/auth";
import {
  inviteMember,
  changeMemberRole,
  removeMember,
  cancelInvitation,
} from "@/app/actions/members";
import {
  deleteAccount,
  finishConnection,
  importAccountMismatch,
  saveCredentials,
  saveScope,
  startConnection,
  connectionTestStatus,
  testConnection,
} from "@/app/actions/accounts";
import { startFakeAws, type FakeAws } from "@canopy/connectors/testing";
import { webQueue } from "@/lib/server/queue";
import { createApiKeyAction } from "@/app/actions/api-keys";
import {
  confirmImportReplacement,
  discardImport,
  restoreImportVersion,
} from "@/app/actions/imports";
import { switchOrganization } from "@/app/actions/organization";
import {
  addTagRuleAction,
  createCostCentreAction,
  deleteCostCentreAction,
  removeRuleAction,
} from "@/app/actions/allocation";

let db: TestDatabase;
let owner: TestUser;
let admin: TestUser;
let viewer: TestUser;
let tenantId: string;
let viewerMemberId: string;
let fakeAws: FakeAws;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  // The connection test's job (inline driver, this process) calls a local fake AWS.
  fakeAws = await startFakeAws({
    roleArn: "arn:aws:iam::123456789012:role/CanopyReadOnly",
    externalId: "not-the-generated-one",
    sourceAccessKeyId: "AKIACANOPYWEBTEST01",
  });
  fakeAws.setAccounts([
    { Id: "123456789012", Name: "payer", Status: "ACTIVE" },
    { Id: "210987654321", Name: "prod", Status: "ACTIVE" },
  ]);
  (globalThis as unknown as { canopyQueue: unknown }).canopyQueue = webQueue({
    connectors: {
      aws: {
        endpoints: fakeAws.endpoints,
        sourceIdentity: { accessKeyId: "AKIACANOPYWEBTEST01", secretAccessKey: "web-test-source" },
        backoff: { baseDelayMs: 5, retries: 1 },
        pollIntervalMs: 5,
      },
    },
  });
  owner = await signUp("owner@act.test");
  admin = await signUp("admin@act.test");
  viewer = await signUp("viewer@act.test");
  tenantId = await createOrganization(owner, "Actions Org");
  await addMember(db, tenantId, admin, "admin");
  viewerMemberId = await addMember(db, tenantId, viewer, "viewer");
});

afterAll(async () => {
  await fakeAws?.close();
  await tearDownWebTestDatabase(db);
});

/** Clicks "Test connection" and polls like the wizard until the job has stored its outcome. */
async function testAndWait(accountId: string) {
  const started = await testConnection({ accountId });
  if (!started.ok) throw new Error(started.error.message);
  expect(started.data.status).toBe("checking");
  for (let i = 0; i < 200; i++) {
    const polled = await connectionTestStatus({ accountId });
    if (!polled.ok) throw new Error(polled.error.message);
    if (polled.data.status !== "checking") return polled.data;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the connection test did not finish");
}

const auditActions = async () =>
  (
    await db.owner.pool.query<{ action: string; details: Record<string, unknown> }>(
      "SELECT action, details FROM audit_log WHERE tenant_id = $1 ORDER BY id",
      [tenantId],
    )
  ).rows;

describe("onboarding wizard actions", () => {
  it("creates a pending AWS account with an external ID, seals credentials and audits without secrets", async () => {
    actAs(admin);
    const invalid = await startConnection({
      provider: "aws",
      displayName: "",
      providerAccountId: "12",
    });
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(Object.keys(invalid.error.fields ?? {})).toContain("displayName");
    const badId = await startConnection({
      provider: "aws",
      displayName: "Prod",
      providerAccountId: "12",
    });
    expect(!badId.ok && badId.error.fields?.providerAccountId?.[0]).toMatch(/12-digit/);

    const started = await startConnection({
      provider: "aws",
      displayName: "Prod",
      providerAccountId: "123456789012",
    });
    expect(started.ok).toBe(true);
    const id = started.ok ? started.data.id : "";
    const again = await startConnection({
      provider: "aws",
      displayName: "Prod",
      providerAccountId: "123456789012",
    });
    expect(!again.ok && again.error.fields?.providerAccountId?.[0]).toMatch(/already/);
    const row = (
      await db.owner.pool.query("SELECT status, external_id FROM cloud_accounts WHERE id = $1", [
        id,
      ])
    ).rows[0];
    expect(row.status).toBe("pending");
    expect(row.external_id).toMatch(/^canopy-[0-9a-f]{24}$/);

    const wrong = await saveCredentials({
      accountId: id,
      credentials: { provider: "aws", roleArn: "not-an-arn", exportBucket: "B" } as never,
    });
    expect(!wrong.ok && Object.keys(wrong.error.fields ?? {}).sort()).toEqual([
      "credentials.exportBucket",
      "credentials.roleArn",
    ]);
    const secret = {
      provider: "aws" as const,
      roleArn: "arn:aws:iam::123456789012:role/CanopyReadOnly",
      exportBucket: "acme-cur",
      exportPrefix: "canopy",
    };
    expect((await saveCredentials({ accountId: id, credentials: secret })).ok).toBe(true);
    const stored = (
      await db.owner.pool.query(
        "SELECT credentials_ciphertext, credentials_key_id FROM cloud_accounts WHERE id = $1",
        [id],
      )
    ).rows[0];
    expect(stored.credentials_ciphertext).not.toContain("CanopyReadOnly");
    const keyring = loadKeyring({
      currentKey: Buffer.alloc(32, 9).toString("base64"),
      homeDir: "/tmp",
      production: false,
      warn: () => undefined,
    });
    expect(
      openCredentials(keyring, tenantId, id, {
        keyId: stored.credentials_key_id,
        ciphertext: stored.credentials_ciphertext,
      }),
    ).toEqual(secret);

    // Test connection: queued (the job decrypts the credentials, not the action), then polled.
    const wrongTrust = await testAndWait(id);
    expect(wrongTrust.status).toBe("failed");
    expect(wrongTrust.result!.message).toMatch(/could not sign in/);
    expect(wrongTrust.result!.checks).toEqual([
      expect.objectContaining({ permission: "sts:AssumeRole", status: "failed" }),
    ]);
    expect(wrongTrust.result!.checks[0]!.fix).toContain("sts:ExternalId");

    fakeAws.trust({ externalId: row.external_id });
    fakeAws.deny("CostExplorer.GetCostAndUsage", "ce:GetCostAndUsage");
    const denied = await testAndWait(id);
    fakeAws.deny("CostExplorer.GetCostAndUsage", "");
    expect(denied.status).toBe("failed");
    expect(denied.result!.message).toContain("ce:GetCostAndUsage");
    const byPermission = Object.fromEntries(
      denied.result!.checks.map((c) => [c.permission, c.status]),
    );
    expect(byPermission).toEqual({
      "sts:AssumeRole": "passed",
      "ce:GetCostAndUsage": "failed",
      "organizations:ListAccounts": "passed",
      "sustainability:GetEstimatedCarbonEmissions": "passed",
      // Cost Explorer has no instance ids: measured utilization is skipped (optional), and says why.
      "cloudwatch:GetMetricData": "skipped",
    });
    expect(denied.result!.checks.find((c) => c.status === "failed")!.fix).toContain(
      "ce:GetCostAndUsage",
    );

    const passed = await testAndWait(id);
    expect(passed.status).toBe("passed");
    expect(passed.result!.resolution).toBe("daily");
    expect(passed.result!.discovered!.map((a) => a.id)).toEqual(["123456789012", "210987654321"]);
    expect(passed.checkedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // New credentials clear the outcome of the old ones.
    expect((await saveCredentials({ accountId: id, credentials: secret })).ok).toBe(true);
    const cleared = await connectionTestStatus({ accountId: id });
    expect(cleared.ok && cleared.data).toEqual({ status: null, checkedAt: null, result: null });

    const scope = await saveScope({
      accountId: id,
      scope: "123456789012\n210987654321, 123456789012",
    });
    expect(scope.ok && scope.data.scope).toEqual(["123456789012", "210987654321"]);
    expect((await saveScope({ accountId: id, scope: "bad id!" })).ok).toBe(false);

    // Finish activates only an account whose latest connection test passed: the new credentials
    // were never tested, then a test fails; each refusal says why and leaves the account pending.
    const untested = await finishConnection({ accountId: id });
    expect(!untested.ok && untested.error.code).toBe("connection_not_tested");
    expect(!untested.ok && untested.error.message).toMatch(/Test connection/);
    fakeAws.deny("CostExplorer.GetCostAndUsage", "ce:GetCostAndUsage");
    expect((await testAndWait(id)).status).toBe("failed");
    fakeAws.deny("CostExplorer.GetCostAndUsage", "");
    const refused = await finishConnection({ accountId: id });
    expect(!refused.ok && refused.error.code).toBe("connection_test_failed");
    expect(!refused.ok && refused.error.message).toContain("ce:GetCostAndUsage");
    const stillPending = await db.owner.pool.query(
      "SELECT status::text FROM cloud_accounts WHERE id = $1",
      [id],
    );
    expect(stillPending.rows[0].status).toBe("pending");
    expect((await auditActions()).map((e) => e.action)).not.toContain("account.activate");

    expect((await testAndWait(id)).status).toBe("passed");
    expect((await finishConnection({ accountId: id })).ok).toBe(true);
    const activated = (await auditActions()).find((e) => e.action === "account.activate");
    expect(activated?.details).toMatchObject({ from: "pending", connectionTest: "passed" });

    const log = await auditActions();
    expect(log.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        "account.create",
        "credentials.set",
        "account.scope_change",
        "account.activate",
      ]),
    );
    expect(JSON.stringify(log)).not.toContain("CanopyReadOnly");

    expect((await deleteAccount({ accountId: id, confirm: "no" as never })).ok).toBe(false);
    expect((await deleteAccount({ accountId: id, confirm: "delete" })).ok).toBe(true);
    expect((await auditActions()).map((e) => e.action)).toContain("account.delete");
  });

  it("finishes a file-import-only account (no credentials) without a connection test", async () => {
    actAs(admin);
    const started = await startConnection({
      provider: "aws",
      displayName: "Files only",
      providerAccountId: "333333333333",
    });
    const id = started.ok ? started.data.id : "";
    expect((await finishConnection({ accountId: id })).ok).toBe(true);
    const row = await db.owner.pool.query("SELECT status::text FROM cloud_accounts WHERE id = $1", [
      id,
    ]);
    expect(row.rows[0].status).toBe("active");
    const entry = (await auditActions()).filter((e) => e.action === "account.activate").at(-1);
    expect(entry?.details).toMatchObject({ from: "pending", connectionTest: "not_required" });
  });

  it("an account stopped by a permanent sync failure is refused by Finish and re-activated by a passing test", async () => {
    actAs(admin);
    const started = await startConnection({
      provider: "aws",
      displayName: "Stopped",
      providerAccountId: "444444444444",
    });
    const id = started.ok ? started.data.id : "";
    const roleArn = "arn:aws:iam::123456789012:role/CanopyReadOnly";
    expect(
      (
        await saveCredentials({
          accountId: id,
          credentials: { provider: "aws", roleArn, exportBucket: "acme-cur" },
        })
      ).ok,
    ).toBe(true);
    const { rows } = await db.owner.pool.query<{ external_id: string }>(
      "SELECT external_id FROM cloud_accounts WHERE id = $1",
      [id],
    );
    fakeAws.trust({ externalId: rows[0]!.external_id });
    // What sync-account leaves after a permanent failure (packages/jobs tests that part).
    await db.owner.pool.query(
      `UPDATE cloud_accounts SET status = 'needs_attention', last_error = 'Syncs stopped: access denied.',
         connection_check_status = 'failed', connection_checks = '{"message":"A sync failed: access denied.","checks":[],"discovered":null}'
       WHERE id = $1`,
      [id],
    );
    const refused = await finishConnection({ accountId: id });
    expect(!refused.ok && refused.error.code).toBe("connection_test_failed");
    expect(!refused.ok && refused.error.message).toContain("A sync failed: access denied.");

    expect((await testAndWait(id)).status).toBe("passed");
    const after = await db.owner.pool.query(
      "SELECT status::text, last_error FROM cloud_accounts WHERE id = $1",
      [id],
    );
    expect(after.rows[0]).toEqual({ status: "active", last_error: null });
  });

  it("says which accounts a file refused at the wizard's import step holds", async () => {
    actAs(admin);
    const started = await startConnection({
      provider: "aws",
      displayName: "Wizard import",
      providerAccountId: "555555555555",
    });
    const id = started.ok ? started.data.id : "";
    // As the import job leaves a file whose usage is another account's (packages/jobs tests that).
    const others = [{ provider: "aws", providerAccountId: "666666666666" }];
    const { rows } = await db.owner.pool.query<{ id: string }>(
      `INSERT INTO sync_runs (tenant_id, kind, status, error, details)
       VALUES ($1, 'import', 'failed', 'This file holds usage of AWS 666666666666', $2) RETURNING id`,
      [
        tenantId,
        JSON.stringify({ fileName: "cur.csv", expectedCloudAccountId: id, otherAccounts: others }),
      ],
    );
    const found = await importAccountMismatch({ importId: rows[0]!.id });
    expect(found.ok && found.data).toEqual({ expectedCloudAccountId: id, otherAccounts: others });
    const unknown = await importAccountMismatch({ importId: id });
    expect(!unknown.ok && unknown.error.code).toBe("not_found");
    actAs(viewer);
    const forbidden = await importAccountMismatch({ importId: rows[0]!.id });
    expect(!forbidden.ok && forbidden.error.code).toBe("forbidden");
  });

  it("validates Azure and GCP credentials by field", async () => {
    actAs(admin);
    const azure = await startConnection({
      provider: "azure",
      displayName: "Sub",
      providerAccountId: "00000000-0000-0000-0000-000000000001",
    });
    const id = azure.ok ? azure.data.id : "";
    const bad = await saveCredentials({
      accountId: id,
      credentials: {
        provider: "azure",
        directoryTenantId: "x",
        clientId: "y",
        clientSecret: "short",
      },
    });
    expect(!bad.ok && Object.keys(bad.error.fields ?? {}).length).toBe(3);
    const gcp = await saveCredentials({
      accountId: id,
      credentials: { provider: "gcp", serviceAccountKey: "{}", billingExportTable: "a.b.c" },
    });
    expect(!gcp.ok && gcp.error.fields?.["credentials.serviceAccountKey"]).toBeTruthy();
  });

  it("refuses admin actions to a viewer with 403", async () => {
    actAs(viewer);
    const result = await startConnection({
      provider: "aws",
      displayName: "x",
      providerAccountId: "123456789012",
    });
    expect(!result.ok && result.error.code).toBe("forbidden");
    const key = await createApiKeyAction({ name: "k", role: "viewer" });
    expect(!key.ok && key.error.code).toBe("forbidden");
  });
});

describe("import actions", () => {
  const awaitingImport = async () =>
    (
      await db.owner.pool.query<{ id: string }>(
        `INSERT INTO sync_runs (tenant_id, kind, status, error, details) VALUES ($1, 'import', 'awaiting_confirmation', 'asks',
           '{"fileName":"day.csv","fileKey":"k","bytes":1,"linesRead":1,"linesImported":1,"usageRowsWritten":0,"skipped":{},"costTotal":0,"progress":{"linesRead":1,"percent":100},"preview":{"needsConfirmation":true,"accounts":[]}}') RETURNING id`,
        [tenantId],
      )
    ).rows[0]!.id;
  const run = async (id: string) =>
    (
      await db.owner.pool.query<{ status: string; error: string; details: { preview?: unknown } }>(
        "SELECT status, error, details FROM sync_runs WHERE id = $1",
        [id],
      )
    ).rows[0]!;

  it("declines an import awaiting confirmation: failed with the reason, details kept, audited", async () => {
    const importId = await awaitingImport();
    actAs({ cookie: viewer.cookie });
    const refused = await discardImport({ importId });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.code).toBe("forbidden");
    actAs({ cookie: admin.cookie });
    const declined = await discardImport({ importId });
    expect(declined).toEqual({
      ok: true,
      data: {
        id: importId,
        status: "failed",
        error: "Not imported: the replacement was declined.",
      },
    });
    const after = await run(importId);
    expect(after.status).toBe("failed");
    expect(after.details.preview).toEqual({ needsConfirmation: true, accounts: [] });
    // Declined is final: neither confirmed nor declined again.
    for (const action of [discardImport, confirmImportReplacement]) {
      const again = await action({ importId });
      expect(!again.ok && again.error).toMatchObject({
        code: "not_awaiting_confirmation",
        message: "The import is failed, not awaiting confirmation.",
      });
    }
    const audit = await db.owner.pool.query(
      "SELECT action FROM audit_log WHERE tenant_id = $1 AND target_id = $2",
      [tenantId, importId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["import.discard"]);
  });

  it("refuses to restore an import that has not finished, with the reason", async () => {
    const importId = await awaitingImport();
    actAs({ cookie: admin.cookie });
    const refused = await restoreImportVersion({ importId });
    expect(!refused.ok && refused.error).toMatchObject({
      code: "restore_refused",
      message: expect.stringMatching(/Only a finished import or sync can be restored/),
    });
    expect((await run(importId)).status).toBe("awaiting_confirmation");
  });
});

describe("members", () => {
  it("invites with a link, and the invited user accepts it", async () => {
    actAs(admin);
    const bad = await inviteMember({ email: "not-an-email", role: "viewer" });
    expect(!bad.ok && bad.error.fields?.email).toBeTruthy();
    const ownerInvite = await inviteMember({ email: "o@act.test", role: "owner" });
    expect(!ownerInvite.ok && ownerInvite.error.code).toBe("forbidden");
    const invited = await inviteMember({ email: "new@act.test", role: "analyst" });
    expect(invited.ok).toBe(true);
    const link = invited.ok ? invited.data.link : "";
    expect(link).toMatch(/^http:\/\/localhost:3999\/invite\/[0-9a-f-]{36}$/);

    const newcomer = await signUp("new@act.test");
    await auth().api.acceptInvitation({
      headers: new Headers({ cookie: newcomer.cookie }),
      body: { invitationId: link.split("/").at(-1)! },
    });
    const role = await db.owner.pool.query(
      "SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2",
      [tenantId, newcomer.userId],
    );
    expect(role.rows[0].role).toBe("analyst");

    const another = await inviteMember({ email: "later@act.test", role: "viewer" });
    const cancelled = await cancelInvitation({ invitationId: another.ok ? another.data.id : "" });
    expect(cancelled.ok).toBe(true);
    expect((await auditActions()).map((e) => e.action)).toEqual(
      expect.arrayContaining(["member.invite", "member.invitation_cancel"]),
    );
  });

  it("changes roles and removes members with audit entries, and keeps an owner", async () => {
    actAs(admin);
    expect(
      (await changeMemberRole({ memberId: viewerMemberId, role: "superuser" as never })).ok,
    ).toBe(false);
    expect((await changeMemberRole({ memberId: viewerMemberId, role: "finance" })).ok).toBe(true);
    const ownerMember = (
      await db.owner.pool.query(
        "SELECT id FROM memberships WHERE tenant_id = $1 AND user_id = $2",
        [tenantId, owner.userId],
      )
    ).rows[0].id;
    const demote = await changeMemberRole({ memberId: ownerMember, role: "viewer" });
    expect(!demote.ok && demote.error.code).toBe("forbidden");
    actAs(owner);
    const last = await changeMemberRole({ memberId: ownerMember, role: "admin" });
    expect(!last.ok && last.error.code).toBe("last_owner");

    actAs(admin);
    expect((await removeMember({ memberId: viewerMemberId })).ok).toBe(true);
    const log = await auditActions();
    const change = log.find((e) => e.action === "member.role_change");
    expect(change?.details).toMatchObject({ from: "viewer", to: "finance" });
    expect(log.map((e) => e.action)).toContain("member.remove");
    // The removed member's session no longer resolves to the organization.
    actAs(viewer);
    const after = await switchOrganization({ organizationId: tenantId });
    expect(!after.ok && after.error.code).toBe("unauthorized");
  });

  it("switches between the user's organizations only", async () => {
    const second = await createOrganization(admin, "Second Org");
    actAs(admin);
    expect((await switchOrganization({ organizationId: tenantId })).ok).toBe(true);
    const { rows } = await db.owner.pool.query(
      "SELECT active_tenant_id FROM sessions WHERE user_id = $1",
      [admin.userId],
    );
    expect(rows.map((r) => r.active_tenant_id)).toContain(tenantId);
    expect(second).toMatch(/[0-9a-f-]{36}/);
  });
});

describe("allocation actions", () => {
  it("add cost centres and tag rules at the end of the list, remove them; viewers may not", async () => {
    actAs(viewer);
    const denied = await createCostCentreAction({ name: "Nope" });
    expect(denied.ok).toBe(false); // forbidden, or no longer a member after the members test
    actAs(admin);
    const web = await createCostCentreAction({ name: "Web" });
    const data = await createCostCentreAction({ name: "Data" });
    if (!web.ok || !data.ok) throw new Error("cost centres not created");
    const first = await addTagRuleAction({
      tagKey: "team",
      tagValue: "web",
      costCentreId: web.data.id,
    });
    const second = await addTagRuleAction({
      tagKey: "team",
      tagValue: "data",
      costCentreId: data.data.id,
    });
    if (!first.ok || !second.ok) throw new Error("rules not added");
    expect(
      second.data.items.map((r) => [r.tagValue, r.targets.map((t) => t.costCentreId)]),
    ).toEqual([
      ["web", [web.data.id]],
      ["data", [data.data.id]],
    ]);
    const removed = await removeRuleAction({ ruleId: second.data.items[0]!.id });
    expect(removed.ok && removed.data.items.map((r) => r.tagValue)).toEqual(["data"]);
    expect((await removeRuleAction({ ruleId: second.data.items[0]!.id })).ok).toBe(false);
    expect((await deleteCostCentreAction({ id: data.data.id })).ok).toBe(true);
    const { rows } = await db.owner.pool.query(
      "SELECT count(*)::int AS n FROM allocation_rule_targets WHERE tenant_id = $1",
      [tenantId],
    );
    expect(rows[0].n).toBe(0); // the Data rule's only target went with its cost centre
  });
});
