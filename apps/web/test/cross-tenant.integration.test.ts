/**
 * Cross-tenant isolation: a member of organization A, with A's session or an A API key, tries to read
 * or change B's resources by id, by filter and by path, through every /api/v1 route and every server
 * action. Every attempt must be refused or see nothing of B. The suite enumerates the route files and
 * action modules and fails when one has no case here.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import "./next-headers-mock";
import { actAs } from "./next-headers-mock";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, ownerReport, signUp, type TestUser } from "./users";
import { call } from "./call";
import { storeReportedCarbon } from "@canopy/jobs";
import { generateApiKey } from "@/lib/server/api-keys";

const appDir = path.resolve(import.meta.dirname, "../app");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const routeFiles = walk(path.join(appDir, "api/v1")).filter((f) => f.endsWith("/route.ts"));
const actionFiles = walk(path.join(appDir, "actions")).filter(
  (f) => f.endsWith(".ts") && readFileSync(f, "utf8").startsWith('"use server"'),
);
const routePath = (file: string) =>
  "/" +
  path
    .relative(appDir, path.dirname(file))
    .split(path.sep)
    .map((s) => s.replace(/^\[(.+)\]$/, "{$1}"))
    .join("/");

type Credential = { cookie?: string; apiKey?: string };
type Handler = Parameters<typeof call>[0];

let db: TestDatabase;
let ownerA: TestUser;
let ownerB: TestUser;
let memberB: TestUser;
let tenantA: string;
let tenantB: string;
let keyA: string;
const b = {
  accountId: "",
  importId: "",
  awaitingImportId: "",
  apiKeyId: "",
  memberId: "",
  invitationId: "",
  reportId: "",
  alertId: "",
  muteId: "",
  budgetId: "",
  webhookId: "",
  functionalUnitId: "",
  findingId: "",
  savedViewId: "",
  costCentreId: "",
  allocationRuleId: "",
};

async function countB(table: string, where = "true"): Promise<number> {
  const { rows } = await db.owner.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1 AND ${where}`,
    [tenantB],
  );
  return rows[0]!.n;
}

/** B's provider figure: a number that appears nowhere in A's data. */
const bReportedKg = 424_242.25;
const bIds = () => Object.values(b).filter(Boolean);
const expectNoB = (body: unknown) => {
  const text = JSON.stringify(body);
  for (const id of bIds()) expect(text).not.toContain(id);
};

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  ownerA = await signUp("owner@a.test");
  ownerB = await signUp("owner@b.test");
  memberB = await signUp("member@b.test");
  tenantA = await createOrganization(ownerA, "Tenant A");
  tenantB = await createOrganization(ownerB, "Tenant B");
  const start = new Date("2025-01-01T00:00:00Z");
  await seedEmissions(db.owner.pool, {
    tenantId: tenantA,
    accounts: 2,
    services: 2,
    combos: 4,
    start,
    hours: 24 * 40,
  });
  b.accountId = (
    await seedEmissions(db.owner.pool, {
      tenantId: tenantB,
      accounts: 2,
      services: 2,
      combos: 4,
      start,
      hours: 24 * 40,
    })
  )[0]!;
  // B's own provider figures for January 2025 (a market-based one included): A must never see them.
  const { rows: bAccount } = await db.owner.pool.query<{ provider_account_id: string }>(
    "SELECT provider_account_id FROM cloud_accounts WHERE id = $1",
    [b.accountId],
  );
  await storeReportedCarbon(
    db.app,
    tenantB,
    b.accountId,
    (["total", "total-market", "scope2-market"] as const).map((scope) => ({
      provider: "aws" as const,
      providerAccountId: bAccount[0]!.provider_account_id,
      month: "2025-01-01",
      scope,
      co2eKg: bReportedKg,
      source: "aws-carbon-emissions-export",
      modelVersion: "v3.0.0",
    })),
  );
  // A region only B uses: its intensity profile must not tell A that B is there.
  await db.owner.pool.query(
    `INSERT INTO emissions_monthly (tenant_id, month, cloud_account_id, provider, service, region, kind, kwh_it,
       kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, methodology_version)
     VALUES ($1, '2025-01-01', $2, 'aws', 'compute', 'eu-west-2', 'compute', 1, 1.1, 0.2, 0.1, 0.01, 1, 'test')`,
    [tenantB, b.accountId],
  );
  b.memberId = await addMember(db, tenantB, memberB, "viewer");
  const run = await db.owner.pool.query<{ id: string }>(
    `INSERT INTO sync_runs (tenant_id, kind, status, details) VALUES ($1, 'import', 'succeeded', '{"fileName":"b.csv","fileKey":"k","bytes":1,"linesRead":1,"linesImported":1,"usageRowsWritten":0,"skipped":{},"costTotal":0,"progress":{"linesRead":1,"percent":100}}') RETURNING id`,
    [tenantB],
  );
  b.importId = run.rows[0]!.id;
  // An import of B waiting for confirmation (what it would replace is in details.preview).
  b.awaitingImportId = (
    await db.owner.pool.query<{ id: string }>(
      `INSERT INTO sync_runs (tenant_id, kind, status, error, details) VALUES ($1, 'import', 'awaiting_confirmation', 'asks',
         '{"fileName":"b2.csv","fileKey":"k2","bytes":1,"linesRead":1,"linesImported":1,"usageRowsWritten":0,"skipped":{},"costTotal":0,"progress":{"linesRead":1,"percent":100},"preview":{"needsConfirmation":true,"accounts":[]}}') RETURNING id`,
      [tenantB],
    )
  ).rows[0]!.id;
  const keyB = generateApiKey();
  b.apiKeyId = (
    await db.owner.pool.query<{ id: string }>(
      "INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, role) VALUES ($1, 'B key', $2, $3, 'admin') RETURNING id",
      [tenantB, keyB.prefix, keyB.hash],
    )
  ).rows[0]!.id;
  b.invitationId = (
    await db.owner.pool.query<{ id: string }>(
      "INSERT INTO invitations (tenant_id, email, role, status, inviter_id, expires_at) VALUES ($1, 'new@b.test', 'viewer', 'pending', $2, now() + interval '2 days') RETURNING id",
      [tenantB, ownerB.userId],
    )
  ).rows[0]!.id;
  b.reportId = await ownerReport(db, tenantB, ownerB);
  // B's alerts, mute, budget, webhook, target and functional units.
  const one = async (text: string, values: unknown[]) =>
    (await db.owner.pool.query<{ id: string }>(text, values)).rows[0]!.id;
  b.alertId = await one(
    `INSERT INTO alerts (tenant_id, kind, scope_type, scope_key, scope_label, basis, day, co2e_kg, baseline_co2e_kg, details, dedupe_key)
     VALUES ($1, 'spike', 'service', 'service-00', 'service-00', 'location', '2025-01-20', 999, 10,
             '{"score": 9, "spreadKg": 5, "excessKg": 989}', 'b') RETURNING id`,
    [tenantB],
  );
  b.muteId = await one(
    "INSERT INTO alert_mutes (tenant_id, kind, scope_type, scope_key) VALUES ($1, 'spike', 'service', 'service-01') RETURNING id",
    [tenantB],
  );
  b.budgetId = await one(
    "INSERT INTO carbon_budgets (tenant_id, name, period, basis, budget_co2e_kg) VALUES ($1, 'B budget', 'month', 'location', 777) RETURNING id",
    [tenantB],
  );
  b.webhookId = await one(
    "INSERT INTO alert_webhooks (tenant_id, name, url, secret_ciphertext, secret_key_id) VALUES ($1, 'B hook', 'https://b.example.com/hook', 'c', 'k') RETURNING id",
    [tenantB],
  );
  await db.owner.pool.query(
    "INSERT INTO reduction_targets (tenant_id, basis, base_year, target_year, reduction_percent) VALUES ($1, 'market', 2024, 2030, 33.3)",
    [tenantB],
  );
  b.costCentreId = await one(
    "INSERT INTO cost_centres (tenant_id, name) VALUES ($1, 'B centre') RETURNING id",
    [tenantB],
  );
  b.allocationRuleId = await one(
    `WITH r AS (INSERT INTO allocation_rules (tenant_id, position, tag_key, tag_value, split) VALUES ($1, 1, 'team', 'team-1', 'fixed') RETURNING id)
     INSERT INTO allocation_rule_targets (tenant_id, rule_id, cost_centre_id) SELECT $1, r.id, $2 FROM r RETURNING rule_id AS id`,
    [tenantB, b.costCentreId],
  );
  b.functionalUnitId = await one(
    "INSERT INTO functional_units (tenant_id, tag_key, tag_value, period_start, period_end, unit_name, unit_count) VALUES ($1, 'team', 'team-1', '2025-01-01', '2025-02-01', 'b-requests', 5) RETURNING id",
    [tenantB],
  );
  b.findingId = (
    await db.owner.pool.query<{ id: string }>(
      `INSERT INTO recommendation_findings (tenant_id, rule_id, resource_key, resources, action, how_to,
         co2e_location_saved_kg_per_month, co2e_market_saved_kg_per_month, water_saved_l_per_month, confidence,
         confidence_reason, basis_month, basis_co2e_location_kg_per_month, basis_co2e_market_kg_per_month,
         methodology_version, measure_scope)
       VALUES ($1, 'previous-generation', 'b-resource', '{}', 'B action', 'B how', 1, 1, 1, 'low', 'b', '2025-01-01', 2, 2, 'test',
         '{"cloudAccountIds":[],"services":[],"regions":[],"kinds":[],"instanceTypes":[]}') RETURNING id`,
      [tenantB],
    )
  ).rows[0]!.id;
  await db.owner.pool.query(
    "INSERT INTO recommendation_settings (tenant_id, allowed_continents, residency_tag_key) VALUES ($1, '{AF}', 'b-secret-tag')",
    [tenantB],
  );
  b.savedViewId = await one(
    "INSERT INTO saved_views (tenant_id, user_id, name, query) VALUES ($1, $2, 'B view', 'provider=gcp') RETURNING id",
    [tenantB, ownerB.userId],
  );
  // B's measured utilization: a failed read (its error names B) and stored hours.
  await db.owner.pool.query(
    `INSERT INTO utilization_runs (tenant_id, cloud_account_id, status, window_start, window_end, source, resources, error)
     VALUES ($1, $2, 'failed', '2025-01-01', '2025-01-04', 'aws-cloudwatch', 3, 'b-utilization-secret failure')`,
    [tenantB, b.accountId],
  );
  await db.owner.pool.query(
    `INSERT INTO resource_utilization_hourly (tenant_id, cloud_account_id, hour, resource_id, region, instance_type, cpu_utilization, source)
     VALUES ($1, $2, '2025-01-01T00:00:00Z', 'i-0b0b0b0b0b0b0b0b0', 'us-east-1', 'm5.large', 0.33, 'aws-cloudwatch')`,
    [tenantB, b.accountId],
  );
  const keyForA = generateApiKey();
  await db.owner.pool.query(
    "INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, role) VALUES ($1, 'A key', $2, $3, 'admin')",
    [tenantA, keyForA.prefix, keyForA.hash],
  );
  keyA = keyForA.key;
});

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

type RouteCase = (handler: Handler, as: Credential) => Promise<void>;

const get = (handler: Handler, as: Credential, pathname: string, params?: Record<string, string>) =>
  call(handler, { path: pathname, credential: as, ...(params ? { params } : {}) });

/** One case per route and method: by id, by filter, by path. */
const routeCases: Record<string, RouteCase> = {
  "GET /api/v1/emissions": async (h, as) => {
    const filtered = await get(
      h,
      as,
      `/api/v1/emissions?from=2025-01-01&to=2025-01-31&groupBy=account&account=${b.accountId}`,
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body.points).toEqual([]);
    const all = await get(h, as, "/api/v1/emissions?from=2025-01-01&to=2025-01-31&groupBy=account");
    expect((all.body.points as unknown[]).length).toBeGreaterThan(0);
    expectNoB(all.body);
  },
  "GET /api/v1/emissions/breakdown": async (h, as) => {
    const filtered = await get(
      h,
      as,
      `/api/v1/emissions/breakdown?groupBy=account&account=${b.accountId}`,
    );
    expect(filtered.body.items).toEqual([]);
    expectNoB((await get(h, as, "/api/v1/emissions/breakdown?groupBy=account")).body);
  },
  "GET /api/v1/emissions/options": async (h, as) => {
    // B's account as a filter lists nothing of B (not even the selected id's name): the account list
    // ignores its own filter (A's accounts), the other lists follow it (nothing).
    const filtered = await get(
      h,
      as,
      `/api/v1/emissions/options?account=${b.accountId}&tagKeys=true`,
    );
    expect(filtered.status).toBe(200);
    expect(JSON.stringify(filtered.body.accounts)).not.toContain(b.accountId);
    expect(filtered.body.services).toEqual([]);
    expect(filtered.body.tagKeys).toEqual([]);
    expectNoB(filtered.body);
    expectNoB((await get(h, as, "/api/v1/emissions/options?tagKeys=true&tagKey=team")).body);
  },
  "GET /api/v1/emissions/summary": async (h, as) => {
    const filtered = await get(
      h,
      as,
      `/api/v1/emissions/summary?from=2025-01-01&to=2025-02-28&account=${b.accountId}`,
    );
    expect((filtered.body.totals as { co2eTotalKg: number }).co2eTotalKg).toBe(0);
  },
  "GET /api/v1/utilization": async (h, as) => {
    const filtered = await get(
      h,
      as,
      `/api/v1/utilization?from=2025-01-01&to=2025-02-28&account=${b.accountId}`,
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body).toMatchObject({ computeKwhFacility: 0, measuredShare: null, runs: [] });
    const all = await get(h, as, "/api/v1/utilization?from=2025-01-01&to=2025-02-28");
    expect(all.status).toBe(200);
    expectNoB(all.body);
    expect(JSON.stringify(all.body)).not.toContain("b-utilization-secret");
    expect((all.body as { computeKwhFacility: number }).computeKwhFacility).toBeGreaterThan(0);
  },
  "GET /api/v1/reconciliation": async (h, as) => {
    const response = await get(h, as, "/api/v1/reconciliation?months=36");
    expect(response.status).toBe(200);
    expectNoB(response.body);
    expect(JSON.stringify(response.body)).not.toContain(String(bReportedKg));
    const view = response.body as {
      hasProviderFigures: boolean;
      rows: { reported: unknown; marketBased: { basis: string } | null }[];
    };
    // A has Canopy estimates but no provider figures of its own: B's never fill in for them.
    expect(view.rows.length).toBeGreaterThan(0);
    expect(view.hasProviderFigures).toBe(false);
    for (const row of view.rows) {
      expect(row.reported).toBeNull();
      if (row.marketBased) expect(row.marketBased.basis).toBe("estimated");
    }
  },
  "GET /api/v1/reconciliation/calibrated": async (h, as) => {
    const response = await get(h, as, "/api/v1/reconciliation/calibrated?month=2025-01");
    expect(response.status).toBe(200);
    expectNoB(response.body);
    const points = (response.body as { points: { status: string }[] }).points;
    // B's January factor must not scale A's rows.
    expect(points.length).toBeGreaterThan(0);
    expect(points.every((p) => p.status === "uncalibrated")).toBe(true);
  },
  "GET /api/v1/regions/{provider}/{region}/intensity-profile": async (h, as) => {
    const path = (region: string) => `/api/v1/regions/aws/${region}/intensity-profile`;
    const onlyB = await get(h, as, path("eu-west-2"), { provider: "aws", region: "eu-west-2" });
    expect(onlyB.status).toBe(404);
    expect(onlyB.body.error?.code).toBe("not_found");
    const own = await get(h, as, path("us-east-1"), { provider: "aws", region: "us-east-1" });
    expect(own.status).toBe(200);
    expectNoB(own.body);
  },
  "GET /api/v1/accounts": async (h, as) => {
    const list = await get(h, as, "/api/v1/accounts?limit=200");
    expect(list.body.totalItems).toBe(2);
    expectNoB(list.body);
  },
  "GET /api/v1/accounts/{id}": async (h, as) => {
    const response = await get(h, as, `/api/v1/accounts/${b.accountId}`, { id: b.accountId });
    expect(response.status).toBe(404);
    expect(response.body.error?.code).toBe("not_found");
  },
  "PATCH /api/v1/accounts/{id}": async (h, as) => {
    const response = await call(h, {
      path: `/api/v1/accounts/${b.accountId}`,
      method: "PATCH",
      credential: as,
      params: { id: b.accountId },
      json: { sourcePrecedence: ["focus"] },
    });
    expect(response.status).toBe(404);
    expect(await countB("cloud_accounts", "source_precedence IS NOT NULL")).toBe(0);
  },
  "GET /api/v1/imports": async (h, as) => expectNoB((await get(h, as, "/api/v1/imports")).body),
  // Shared reference data, not tenant data: no organization's member or key may change or list it
  // (only instance administrators, CANOPY_INSTANCE_ADMINS, none here).
  "GET /api/v1/grid/datasets": async (h, as) => {
    expect((await get(h, as, "/api/v1/grid/datasets")).status).toBe(403);
  },
  "POST /api/v1/grid/datasets": async (h, as) => {
    const form = new FormData();
    form.set("file", new Blob(["Datetime (UTC)\n"]), "DE_2025_hourly.csv");
    const response = await call(h, {
      path: "/api/v1/grid/datasets",
      method: "POST",
      credential: as,
      body: form,
    });
    expect(response.status).toBe(403);
    const stored = await db.owner.pool.query("SELECT 1 FROM grid_intensity_loads");
    expect(stored.rowCount).toBe(0);
  },
  "POST /api/v1/imports": async (h, as) => {
    const before = await countB("sync_runs");
    const form = new FormData();
    form.set("tenantId", tenantB);
    form.set("organizationId", tenantB);
    form.set("file", new Blob(["a,b\n1,2\n"]), "b.csv");
    const response = await call(h, {
      path: `/api/v1/imports?tenantId=${tenantB}`,
      method: "POST",
      credential: as,
      body: form,
      headers: { "x-tenant-id": tenantB },
    });
    expect(response.status).toBe(202);
    expect(await countB("sync_runs")).toBe(before);
    const { rows } = await db.owner.pool.query("SELECT tenant_id FROM sync_runs WHERE id = $1", [
      response.body.id,
    ]);
    expect(rows[0].tenant_id).toBe(tenantA);
  },
  "GET /api/v1/imports/{id}": async (h, as) => {
    expect((await get(h, as, `/api/v1/imports/${b.importId}`, { id: b.importId })).status).toBe(
      404,
    );
    // B's import awaiting confirmation: 404, not the 409 with its preview.
    const awaiting = await get(h, as, `/api/v1/imports/${b.awaitingImportId}`, {
      id: b.awaitingImportId,
    });
    expect(awaiting.status).toBe(404);
    expectNoB(awaiting.body);
  },
  "POST /api/v1/imports/{id}/confirm": async (h, as) => {
    for (const id of [b.awaitingImportId, b.importId]) {
      const response = await call(h, {
        path: `/api/v1/imports/${id}/confirm`,
        method: "POST",
        credential: as,
        params: { id },
      });
      expect(response.status).toBe(404);
      expect(response.body.error?.code).toBe("not_found");
    }
    expect(await countB("sync_runs", "status = 'awaiting_confirmation'")).toBe(1);
  },
  "POST /api/v1/imports/{id}/restore": async (h, as) => {
    const response = await call(h, {
      path: `/api/v1/imports/${b.importId}/restore`,
      method: "POST",
      credential: as,
      params: { id: b.importId },
    });
    expect(response.status).toBe(404);
    expect(response.body.error?.code).toBe("not_found");
    expect(await countB("sync_runs", "details ? 'restoredAt'")).toBe(0);
  },
  "GET /api/v1/jobs": async (h, as) => expectNoB((await get(h, as, "/api/v1/jobs?limit=200")).body),
  "GET /api/v1/api-keys": async (h, as) => expectNoB((await get(h, as, "/api/v1/api-keys")).body),
  "GET /api/v1/recommendations": async (h, as) => {
    expectNoB((await get(h, as, "/api/v1/recommendations")).body);
    expectNoB(
      (await get(h, as, `/api/v1/recommendations?includeRetired=true&tenantId=${tenantB}`)).body,
    );
  },
  "PATCH /api/v1/recommendations/{id}": async (h, as) => {
    const response = await call(h, {
      path: `/api/v1/recommendations/${b.findingId}`,
      method: "PATCH",
      credential: as,
      params: { id: b.findingId },
      json: { state: "dismissed", reason: "not ours" },
    });
    expect(response.status).toBe(404);
    expect(await countB("recommendation_findings", "state = 'open'")).toBe(1);
  },
  "POST /api/v1/recommendations/recompute": async (h, as) => {
    const response = await call(h, {
      path: "/api/v1/recommendations/recompute",
      method: "POST",
      credential: as,
      json: { tenantId: tenantB },
    });
    expect(response.status).toBe(202);
    expect(await countB("recommendation_findings", "state = 'open' AND current")).toBe(1);
  },
  "GET /api/v1/recommendations/settings": async (h, as) => {
    const response = await get(h, as, "/api/v1/recommendations/settings");
    expect(JSON.stringify(response.body)).not.toContain("b-secret-tag");
  },
  "PATCH /api/v1/recommendations/settings": async (h, as) => {
    const response = await call(h, {
      path: "/api/v1/recommendations/settings",
      method: "PATCH",
      credential: as,
      json: {
        allowedContinents: ["EU"],
        allowedJurisdictions: null,
        residencyTagKey: null,
        tenantId: tenantB,
      },
    });
    expect(response.status).toBe(200);
    expect(await countB("recommendation_settings", "residency_tag_key = 'b-secret-tag'")).toBe(1);
  },
  "POST /api/v1/api-keys": async (h, as) => {
    const before = await countB("api_keys");
    const response = await call(h, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential: as,
      json: { name: "sneaky", role: "viewer", tenantId: tenantB },
    });
    expect(response.status).toBe(201);
    expect(await countB("api_keys")).toBe(before);
  },
  "DELETE /api/v1/api-keys/{id}": async (h, as) => {
    const response = await call(h, {
      path: `/api/v1/api-keys/${b.apiKeyId}`,
      method: "DELETE",
      credential: as,
      params: { id: b.apiKeyId },
    });
    expect(response.status).toBe(404);
    expect(await countB("api_keys", "revoked_at IS NULL")).toBeGreaterThan(0);
  },
  "GET /api/v1/reports": async (h, as) => {
    expectNoB((await get(h, as, "/api/v1/reports?limit=200")).body);
    const filtered = await get(h, as, `/api/v1/reports?period=2025-01&tenantId=${tenantB}`);
    expect(filtered.status).toBe(200);
    expectNoB(filtered.body);
  },
  "POST /api/v1/reports": async (h, as) => {
    const before = await countB("reports");
    const foreign = await call(h, {
      path: "/api/v1/reports",
      method: "POST",
      credential: as,
      json: { period: "2025-01", cloudAccountIds: [b.accountId] },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error?.code).toBe("validation_error");
    const own = await call(h, {
      path: `/api/v1/reports?tenantId=${tenantB}`,
      method: "POST",
      credential: as,
      json: { period: "2025-01", tenantId: tenantB },
      headers: { "x-tenant-id": tenantB },
    });
    expect(own.status).toBe(own.body.created ? 201 : 200);
    expectNoB(own.body);
    expect(await countB("reports")).toBe(before);
    const { rows } = await db.owner.pool.query("SELECT tenant_id FROM reports WHERE id = $1", [
      own.body.id,
    ]);
    expect(rows[0].tenant_id).toBe(tenantA);
  },
  "GET /api/v1/reports/{id}": async (h, as) => {
    const response = await get(h, as, `/api/v1/reports/${b.reportId}`, { id: b.reportId });
    expect(response.status).toBe(404);
    expect(response.body.error?.code).toBe("not_found");
    expectNoB(response.body);
  },
  "GET /api/v1/reports/{id}/download": async (h, as) => {
    for (const format of ["pdf", "xlsx", "csv"]) {
      const response = await get(h, as, `/api/v1/reports/${b.reportId}/download?format=${format}`, {
        id: b.reportId,
      });
      expect(response.status).toBe(404);
      expect(response.body.error?.code).toBe("not_found");
    }
  },
  "POST /api/v1/reports/{id}/finalize": async (h, as) => {
    const response = await call(h, {
      path: `/api/v1/reports/${b.reportId}/finalize`,
      method: "POST",
      credential: as,
      params: { id: b.reportId },
      json: { expectedContentSha256: "0".repeat(64) },
    });
    expect(response.status).toBe(404);
    expect(await countB("reports", "status = 'final'")).toBe(0);
  },
  "GET /api/v1/alerts": async (h, as) => {
    const response = await get(h, as, "/api/v1/alerts?limit=500");
    expect(response.status).toBe(200);
    expectNoB(response.body);
  },
  ...Object.fromEntries(
    ["acknowledge", "mute"].map((action) => [
      `POST /api/v1/alerts/{id}/${action}`,
      async (h: Handler, as: Credential) => {
        const response = await call(h, {
          path: `/api/v1/alerts/${b.alertId}/${action}`,
          method: "POST",
          credential: as,
          params: { id: b.alertId },
          json: {},
        });
        expect(response.status).toBe(404);
        expect(await countB("alerts", "status = 'open'")).toBe(1);
        expect(await countB("alert_mutes")).toBe(1);
      },
    ]),
  ),
  "GET /api/v1/alerts/{id}/deliveries": async (h, as) => {
    const response = await get(h, as, `/api/v1/alerts/${b.alertId}/deliveries`, { id: b.alertId });
    expect(response.body.items).toEqual([]);
  },
  "DELETE /api/v1/alerts/mutes/{id}": async (h, as) => {
    const response = await call(h, {
      path: `/api/v1/alerts/mutes/${b.muteId}`,
      method: "DELETE",
      credential: as,
      params: { id: b.muteId },
    });
    expect(response.status).toBe(404);
    expect(await countB("alert_mutes")).toBe(1);
  },
  "GET /api/v1/budgets": async (h, as) => {
    const response = await get(h, as, "/api/v1/budgets");
    expect(response.status).toBe(200);
    expectNoB(response.body);
    expect(JSON.stringify(response.body)).not.toContain("777");
  },
  "POST /api/v1/budgets": async (h, as) => {
    const before = await countB("carbon_budgets");
    const response = await call(h, {
      path: "/api/v1/budgets",
      method: "POST",
      credential: as,
      json: { name: "A budget", budgetCo2eKg: 100, tenantId: tenantB },
    });
    expect(response.status).toBe(201);
    expect(await countB("carbon_budgets")).toBe(before);
  },
  ...Object.fromEntries(
    (["PATCH", "DELETE"] as const).flatMap((method) => [
      [
        `${method} /api/v1/budgets/{id}`,
        async (h: Handler, as: Credential) => {
          const response = await call(h, {
            path: `/api/v1/budgets/${b.budgetId}`,
            method,
            credential: as,
            params: { id: b.budgetId },
            ...(method === "PATCH" ? { json: { budgetCo2eKg: 1 } } : {}),
          });
          expect(response.status).toBe(404);
          expect(await countB("carbon_budgets", "budget_co2e_kg = 777")).toBe(1);
        },
      ],
      [
        `${method} /api/v1/webhooks/{id}`,
        async (h: Handler, as: Credential) => {
          const response = await call(h, {
            path: `/api/v1/webhooks/${b.webhookId}`,
            method,
            credential: as,
            params: { id: b.webhookId },
            ...(method === "PATCH" ? { json: { enabled: false } } : {}),
          });
          expect(response.status).toBe(404);
          expect(await countB("alert_webhooks", "enabled")).toBe(1);
        },
      ],
    ]),
  ),
  "GET /api/v1/webhooks": async (h, as) => expectNoB((await get(h, as, "/api/v1/webhooks")).body),
  "POST /api/v1/webhooks": async (h, as) => {
    const before = await countB("alert_webhooks");
    const response = await call(h, {
      path: "/api/v1/webhooks",
      method: "POST",
      credential: as,
      json: { name: "A hook", url: "https://a.example.com/hook", tenantId: tenantB },
    });
    expect(response.status).toBe(201);
    expect(await countB("alert_webhooks")).toBe(before);
  },
  "GET /api/v1/targets": async (h, as) => {
    const response = await get(h, as, "/api/v1/targets");
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).not.toContain("33.3");
  },
  "POST /api/v1/targets": async (h, as) => {
    const response = await call(h, {
      path: "/api/v1/targets",
      method: "POST",
      credential: as,
      json: {
        basis: "location",
        baseYear: 2024,
        targetYear: 2030,
        reductionPercent: 30,
        tenantId: tenantB,
      },
    });
    expect(response.status).toBe(201);
    expect(await countB("reduction_targets")).toBe(1);
  },
  "DELETE /api/v1/targets/{basis}": async (h, as) => {
    const response = await call(h, {
      path: "/api/v1/targets/market",
      method: "DELETE",
      credential: as,
      params: { basis: "market" },
    });
    expect(response.status).toBe(404);
    expect(await countB("reduction_targets", "basis = 'market'")).toBe(1);
  },
  "GET /api/v1/efficiency": async (h, as) => {
    const response = await get(h, as, "/api/v1/efficiency?from=2025-01&to=2025-02");
    expect(response.status).toBe(200);
    expectNoB(response.body);
    expect(JSON.stringify(response.body)).not.toContain("b-requests");
  },
  "GET /api/v1/functional-units": async (h, as) => {
    const response = await get(h, as, "/api/v1/functional-units?tagKey=team&tagValue=team-1");
    expect(response.status).toBe(200);
    expectNoB(response.body);
    expect(JSON.stringify(response.body)).not.toContain("b-requests");
  },
  "POST /api/v1/functional-units": async (h, as) => {
    const response = await call(h, {
      path: "/api/v1/functional-units",
      method: "POST",
      credential: as,
      json: {
        items: [
          {
            tagKey: "team",
            tagValue: "team-1",
            periodStart: "2025-01-01",
            periodEnd: "2025-02-01",
            unitName: "a-requests",
            unitCount: 9,
          },
        ],
      },
    });
    expect(response.status).toBe(201);
    expectNoB(response.body);
    const { rows } = await db.owner.pool.query(
      "SELECT unit_count FROM functional_units WHERE id = $1",
      [b.functionalUnitId],
    );
    expect(rows[0].unit_count).toBe(5);
  },
  "GET /api/v1/cost-centres": async (h, as) => {
    const response = await get(h, as, "/api/v1/cost-centres");
    expect(response.status).toBe(200);
    expectNoB(response.body);
    expect(JSON.stringify(response.body)).not.toContain("B centre");
  },
  "POST /api/v1/cost-centres": async (h, as) => {
    const response = await call(h, {
      path: "/api/v1/cost-centres",
      method: "POST",
      credential: as,
      json: { name: `A centre ${Math.random()}`, tenantId: tenantB },
    });
    expect(response.status).toBe(201);
    expect(await countB("cost_centres")).toBe(1);
  },
  "DELETE /api/v1/cost-centres/{id}": async (h, as) => {
    const response = await call(h, {
      path: `/api/v1/cost-centres/${b.costCentreId}`,
      method: "DELETE",
      credential: as,
      params: { id: b.costCentreId },
    });
    expect(response.status).toBe(404);
    expect(await countB("cost_centres")).toBe(1);
  },
  "GET /api/v1/cost-centres/{id}/emissions": async (h, as) => {
    const response = await call(h, {
      path: `/api/v1/cost-centres/${b.costCentreId}/emissions`,
      credential: as,
      params: { id: b.costCentreId },
    });
    expect(response.status).toBe(404);
  },
  "GET /api/v1/allocation": async (h, as) => {
    const response = await get(h, as, "/api/v1/allocation");
    expect(response.status).toBe(200);
    expectNoB(response.body);
  },
  "GET /api/v1/allocation/rules": async (h, as) => {
    const response = await get(h, as, "/api/v1/allocation/rules");
    expect(response.status).toBe(200);
    expectNoB(response.body);
  },
  "PUT /api/v1/allocation/rules": async (h, as) => {
    const response = await call(h, {
      path: "/api/v1/allocation/rules",
      method: "PUT",
      credential: as,
      json: {
        rules: [
          {
            tagKey: "team",
            tagValue: "x",
            split: "fixed",
            targets: [{ costCentreId: b.costCentreId }],
          },
        ],
      },
    });
    expect(response.status).toBe(400);
    expect(await countB("allocation_rule_targets")).toBe(1);
  },
  "GET /api/v1/functional-units/manifest": async (h, as) => {
    const response = await get(h, as, "/api/v1/functional-units/manifest");
    expect(response.status).toBe(200);
    expectNoB(response.body);
    expect(JSON.stringify(response.body)).not.toContain("b-requests");
  },
  "GET /api/v1/openapi.json": async (h) =>
    expectNoB(await (await (h as unknown as () => Response)()).json()),
  // The catch-all answers 404 for anything else, B's ids in the path included.
  ...Object.fromEntries(
    ["GET", "POST", "PUT", "PATCH", "DELETE"].map((method) => [
      `${method} /api/v1/{...path}`,
      async (h: Handler, as: Credential) => {
        const response = await call(h, {
          path: `/api/v1/tenants/${tenantB}/accounts/${b.accountId}`,
          method,
          credential: as,
        });
        expect(response.status).toBe(404);
        expect(response.body.error?.code).toBe("not_found");
      },
    ]),
  ),
};

describe("cross-tenant: every /api/v1 route", () => {
  it("has a case for every route file and method", async () => {
    const found: string[] = [];
    for (const file of routeFiles) {
      const module = (await import(file)) as Record<string, unknown>;
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"])
        if (module[method]) found.push(`${method} ${routePath(file)}`);
    }
    expect(found.length).toBeGreaterThan(10);
    expect(found.filter((key) => !routeCases[key])).toEqual([]);
  });

  for (const [label, as] of [
    ["A's session", () => ({ cookie: ownerA.cookie })],
    ["an A API key", () => ({ apiKey: keyA })],
  ] as const) {
    it(`refuses B's resources to ${label}`, async () => {
      for (const file of routeFiles) {
        const module = (await import(file)) as Record<string, Handler>;
        for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
          const handler = module[method];
          const key = `${method} ${routePath(file)}`;
          if (handler && routeCases[key]) {
            await routeCases[key]!(handler, as()).catch((error: Error) => {
              throw new Error(`${key} as ${label}: ${error.message}`);
            });
          }
        }
      }
    });
  }
});

type Action = (input: unknown) => Promise<{ ok: boolean; error?: { code: string } }>;
const refused = (result: { ok: boolean; error?: { code: string } }, code = "not_found") => {
  expect(result.ok).toBe(false);
  expect(result.error?.code).toBe(code);
};

/** One case per exported server action. */
const actionCases: Record<string, (action: Action) => Promise<void>> = {
  "members.inviteMember": async (action) => {
    const before = await countB("invitations");
    const result = await action({
      email: "x@a.test",
      role: "viewer",
      organizationId: tenantB,
      tenantId: tenantB,
    });
    expect(result.ok).toBe(true);
    expect(await countB("invitations")).toBe(before);
  },
  "members.cancelInvitation": async (action) => {
    refused(await action({ invitationId: b.invitationId }));
    expect(await countB("invitations", "status = 'pending'")).toBe(1);
  },
  "members.changeMemberRole": async (action) => {
    refused(await action({ memberId: b.memberId, role: "admin" }));
    expect(await countB("memberships", "role = 'viewer'")).toBe(1);
  },
  "members.removeMember": async (action) => {
    refused(await action({ memberId: b.memberId }));
    expect(await countB("memberships")).toBe(2);
  },
  "accounts.startConnection": async (action) => {
    const before = await countB("cloud_accounts");
    const result = await action({
      provider: "aws",
      displayName: "x",
      providerAccountId: "123456789012",
      tenantId: tenantB,
    });
    expect(result.ok).toBe(true);
    expect(await countB("cloud_accounts")).toBe(before);
  },
  "accounts.saveCredentials": async (action) => {
    refused(
      await action({
        accountId: b.accountId,
        credentials: {
          provider: "aws",
          roleArn: "arn:aws:iam::123456789012:role/X",
          exportBucket: "bucket-x",
        },
      }),
    );
    expect(await countB("cloud_accounts", "credentials_ciphertext IS NOT NULL")).toBe(0);
  },
  "accounts.testConnection": async (action) => {
    refused(await action({ accountId: b.accountId }));
    expect(await countB("cloud_accounts", "connection_check_status IS NOT NULL")).toBe(0);
  },
  "accounts.connectionTestStatus": async (action) =>
    refused(await action({ accountId: b.accountId })),
  "accounts.saveScope": async (action) => {
    refused(await action({ accountId: b.accountId, scope: "1\n2" }));
    expect(await countB("cloud_accounts", "scope IS NOT NULL")).toBe(0);
  },
  "accounts.finishConnection": async (action) => refused(await action({ accountId: b.accountId })),
  "accounts.importAccountMismatch": async (action) =>
    refused(await action({ importId: b.importId })),
  "accounts.previewDeleteAccount": async (action) =>
    refused(await action({ accountId: b.accountId })),
  "accounts.deleteAccount": async (action) => {
    refused(await action({ accountId: b.accountId, confirm: "delete" }));
    expect(await countB("cloud_accounts")).toBe(2);
  },
  "imports.confirmImportReplacement": async (action) => {
    refused(await action({ importId: b.awaitingImportId }));
    expect(await countB("sync_runs", "status = 'awaiting_confirmation'")).toBe(1);
  },
  "imports.discardImport": async (action) => {
    refused(await action({ importId: b.awaitingImportId }));
    expect(await countB("sync_runs", "status = 'awaiting_confirmation'")).toBe(1);
  },
  "imports.restoreImportVersion": async (action) => {
    refused(await action({ importId: b.importId }));
    expect(await countB("sync_runs", "details ? 'restoredAt'")).toBe(0);
  },
  "api-keys.createApiKeyAction": async (action) => {
    const before = await countB("api_keys");
    expect((await action({ name: "k", role: "viewer", tenantId: tenantB })).ok).toBe(true);
    expect(await countB("api_keys")).toBe(before);
  },
  "api-keys.revokeApiKeyAction": async (action) => {
    refused(await action({ id: b.apiKeyId }));
    expect(await countB("api_keys", "revoked_at IS NULL")).toBeGreaterThan(0);
  },
  "recommendations.changeFindingStateAction": async (action) => {
    refused(await action({ id: b.findingId, state: "accepted" }));
    expect(await countB("recommendation_findings", "state = 'open'")).toBe(1);
  },
  "recommendations.recomputeRecommendationsAction": async (action) => {
    expect((await action({ tenantId: tenantB })).ok).toBe(true);
    expect(await countB("recommendation_findings", "current")).toBe(1);
  },
  "recommendations.saveRecommendationSettingsAction": async (action) => {
    const result = await action({
      allowedContinents: ["NA"],
      allowedJurisdictions: null,
      residencyTagKey: null,
      tenantId: tenantB,
    });
    expect(result.ok).toBe(true);
    expect(await countB("recommendation_settings", "residency_tag_key = 'b-secret-tag'")).toBe(1);
  },
  "reports.generateReportAction": async (action) => {
    const before = await countB("reports");
    refused(
      await action({ period: "2025-01", cloudAccountIds: [b.accountId], tenantId: tenantB }),
      "validation_error",
    );
    const own = await action({ period: "2025-01", tenantId: tenantB });
    expect(own.ok).toBe(true);
    expectNoB(own);
    expect(await countB("reports")).toBe(before);
  },
  "reports.finalizeReportAction": async (action) => {
    const { rows } = await db.owner.pool.query<{ sha: string }>(
      "SELECT content_sha256 AS sha FROM reports WHERE id = $1",
      [b.reportId],
    );
    refused(await action({ reportId: b.reportId, expectedContentSha256: rows[0]!.sha }));
    expect(await countB("reports", "status = 'final'")).toBe(0);
  },
  "reconciliation.importCarbonExportFile": async (action) => {
    const before = await countB("provider_reported_emissions");
    const result = await action({
      fileName: "carbon.csv",
      tenantId: tenantB,
      text: `usage_period_start,usage_period_end,payer_account_id,usage_account_id,region_code,location,product_code,total_lbm_emissions_value,total_lbm_emissions_unit,total_mbm_emissions_value,total_mbm_emissions_unit,model_version
2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,999999999999,111111111111,eu-central-1,Europe (Frankfurt),AmazonEC2,0.01,MTCO2e,0.0069,MTCO2e,v3.0.0
`,
    });
    // Stored in A's own organization (the tenantId field is not an input), never in B's.
    expect(result.ok).toBe(true);
    expect(await countB("provider_reported_emissions")).toBe(before);
  },
  "allocation.createCostCentreAction": async (action) => {
    const result = await action({ name: "A centre (action)" });
    expect(result.ok).toBe(true);
    expectNoB(result);
    expect(await countB("cost_centres")).toBe(1);
  },
  "allocation.deleteCostCentreAction": async (action) => {
    refused(await action({ id: b.costCentreId }));
    expect(await countB("cost_centres")).toBe(1);
  },
  "allocation.addTagRuleAction": async (action) => {
    refused(
      await action({ tagKey: "team", tagValue: "x", costCentreId: b.costCentreId }),
      "validation_error",
    );
    expect(await countB("allocation_rule_targets")).toBe(1);
  },
  "allocation.removeRuleAction": async (action) => {
    refused(await action({ ruleId: b.allocationRuleId }));
    expect(await countB("allocation_rules")).toBe(1);
  },
  "saved-views.saveViewAction": async (action) => {
    const result = await action({ name: "B view", query: "provider=aws" });
    expect(result.ok).toBe(true);
    expectNoB(result);
    // A's view of the same name is A's own: B's view keeps its query.
    const { rows } = await db.owner.pool.query("SELECT query FROM saved_views WHERE id = $1", [
      b.savedViewId,
    ]);
    expect(rows[0]?.query).toBe("provider=gcp");
  },
  "saved-views.deleteViewAction": async (action) => {
    refused(await action({ id: b.savedViewId }));
    expect(await countB("saved_views")).toBe(1);
  },
  "saved-views.listViewsAction": async (action) => {
    const result = (await action({})) as { ok: boolean; data?: { id: string }[] };
    expect(result.ok).toBe(true);
    expect(result.data?.some((v) => v.id === b.savedViewId)).toBe(false);
    expectNoB(result);
  },
  "organization.switchOrganization": async (action) => {
    refused(await action({ organizationId: tenantB }));
    const { rows } = await db.owner.pool.query(
      "SELECT active_tenant_id FROM sessions WHERE user_id = $1",
      [ownerA.userId],
    );
    expect(rows.every((r) => r.active_tenant_id !== tenantB)).toBe(true);
  },
};

describe("cross-tenant: every server action", () => {
  it("has a case for every exported action", async () => {
    const found: string[] = [];
    for (const file of actionFiles) {
      const module = (await import(file)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module))
        if (typeof value === "function") found.push(`${path.basename(file, ".ts")}.${name}`);
    }
    expect(found.length).toBeGreaterThan(8);
    expect(found.filter((key) => !actionCases[key])).toEqual([]);
  });

  it("refuses B's resources to A's session", async () => {
    actAs({ cookie: ownerA.cookie });
    for (const file of actionFiles) {
      const module = (await import(file)) as Record<string, Action>;
      for (const [name, action] of Object.entries(module)) {
        const key = `${path.basename(file, ".ts")}.${name}`;
        await actionCases[key]!(action).catch((error: Error) => {
          throw new Error(`${key}: ${error.message}`);
        });
      }
    }
  });

  it("refuses every action to an API key (actions are for the browser session only)", async () => {
    actAs({ apiKey: keyA });
    for (const file of actionFiles) {
      const module = (await import(file)) as Record<string, Action>;
      for (const action of Object.values(module)) refused(await action({}), "unauthorized");
    }
  });
});
