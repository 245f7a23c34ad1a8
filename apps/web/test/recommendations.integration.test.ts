import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import "./next-headers-mock";
import { actAs } from "./next-headers-mock";
import RecommendationsPage from "@/app/(app)/recommendations/page";
import * as listRoute from "@/app/api/v1/recommendations/route";
import * as findingRoute from "@/app/api/v1/recommendations/[id]/route";
import * as settingsRoute from "@/app/api/v1/recommendations/settings/route";

/** The recommendations API: list with filters, state changes with role checks, the constraint set. */
let db: TestDatabase;
let owner: TestUser;
let viewer: TestUser;
let tenantId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@recs.test");
  viewer = await signUp("viewer@recs.test");
  tenantId = await createOrganization(owner, "Recs");
  await addMember(db, tenantId, viewer, "viewer");
  for (const [rule, saved, cost] of [
    ["region-move-same-provider", 12.5, null],
    ["previous-generation", 3.25, -4.5],
  ] as const) {
    const { rows } = await db.owner.pool.query<{ id: string }>(
      `INSERT INTO recommendation_findings (tenant_id, rule_id, resource_key, resources, action, how_to,
         co2e_location_saved_kg_per_month, co2e_market_saved_kg_per_month, water_saved_l_per_month,
         cost_delta_amount_per_month, cost_currency, cost_note, confidence, confidence_reason, basis_month,
         basis_co2e_location_kg_per_month, basis_co2e_market_kg_per_month, methodology_version, measure_scope)
       VALUES ($1, $2::text, $2::text || '-key', '{"region":"us-east-1"}', 'Do it', 'How', $3::float8, $3::float8 / 2, 7, $4::numeric, 'USD', 'note', 'medium', 'why',
         '2025-06-01', 40, 20, 'canopy-test', '{"cloudAccountIds":[],"services":[],"regions":[],"kinds":[],"instanceTypes":[]}')
       RETURNING id`,
      [tenantId, rule, saved, cost],
    );
    ids[rule] = rows[0]!.id;
  }
});
afterAll(async () => tearDownWebTestDatabase(db));

const patch = (id: string, credential: TestUser, json: unknown) =>
  call(findingRoute.PATCH, {
    path: `/api/v1/recommendations/${id}`,
    method: "PATCH",
    credential,
    params: { id },
    json,
  });

describe("GET /api/v1/recommendations", () => {
  it("lists findings with CO2e, water and cost on one line, largest saving first, filtered by rule and state", async () => {
    const all = await call(listRoute.GET, { path: "/api/v1/recommendations", credential: viewer });
    expect(all.status).toBe(200);
    const items = all.body.items as {
      ruleId: string;
      co2eLocationSavedKgPerMonth: number;
      costDeltaAmountPerMonth: number | null;
      waterSavedLPerMonth: number;
    }[];
    expect(items.map((i) => i.ruleId)).toEqual([
      "region-move-same-provider",
      "previous-generation",
    ]);
    expect(items[1]).toMatchObject({
      co2eLocationSavedKgPerMonth: 3.25,
      costDeltaAmountPerMonth: -4.5,
      waterSavedLPerMonth: 7,
    });
    expect(items[0]!.costDeltaAmountPerMonth).toBeNull();
    const byRule = await call(listRoute.GET, {
      path: "/api/v1/recommendations?rule=previous-generation",
      credential: viewer,
    });
    expect((byRule.body.items as unknown[]).length).toBe(1);
    const bad = await call(listRoute.GET, {
      path: "/api/v1/recommendations?state=maybe",
      credential: viewer,
    });
    expect(bad.status).toBe(400);
  });
});

describe("PATCH /api/v1/recommendations/{id}", () => {
  it("refuses viewers, needs a reason to dismiss, and records who changed the state", async () => {
    const id = ids["region-move-same-provider"]!;
    expect((await patch(id, viewer, { state: "accepted" })).status).toBe(403);
    const noReason = await patch(id, owner, { state: "dismissed" });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error?.fields?.reason).toBeDefined();
    const dismissed = await patch(id, owner, { state: "dismissed", reason: "latency to EU users" });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({
      state: "dismissed",
      stateReason: "latency to EU users",
      stateChangedBy: "owner@recs.test",
    });
    const done = await patch(ids["previous-generation"]!, owner, {
      state: "done",
      doneAt: "2025-07-02T00:00:00Z",
    });
    expect(done.body).toMatchObject({ state: "done", doneAt: "2025-07-02T00:00:00.000Z" });
    const open = await call(listRoute.GET, {
      path: "/api/v1/recommendations?state=open",
      credential: viewer,
    });
    expect(open.body.items).toEqual([]);
    const missing = await patch("00000000-0000-4000-8000-000000000000", owner, {
      state: "accepted",
    });
    expect(missing.status).toBe(404);
    const { rows } = await db.owner.pool.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'recommendation.state_change'",
      [tenantId],
    );
    expect(rows[0].n).toBe(2);
  });
});

describe("/api/v1/recommendations/settings", () => {
  it("lets admins set the constraint set, validates codes, and shows it to viewers", async () => {
    const settings = {
      allowedContinents: ["eu"],
      allowedJurisdictions: ["EU", "CH"],
      residencyTagKey: "data-residency",
    };
    const denied = await call(settingsRoute.PATCH, {
      path: "/api/v1/recommendations/settings",
      method: "PATCH",
      credential: viewer,
      json: settings,
    });
    expect(denied.status).toBe(403);
    const invalid = await call(settingsRoute.PATCH, {
      path: "/api/v1/recommendations/settings",
      method: "PATCH",
      credential: owner,
      json: { ...settings, allowedContinents: ["Europe"] },
    });
    expect(invalid.status).toBe(400);
    const saved = await call(settingsRoute.PATCH, {
      path: "/api/v1/recommendations/settings",
      method: "PATCH",
      credential: owner,
      json: settings,
    });
    expect(saved.status).toBe(200);
    const read = await call(settingsRoute.GET, {
      path: "/api/v1/recommendations/settings",
      credential: viewer,
    });
    expect(read.body).toEqual({
      allowedContinents: ["EU"],
      allowedJurisdictions: ["EU", "CH"],
      residencyTagKey: "data-residency",
    });
  });
});

/** Text and test ids of a server-rendered element tree (client components are not rendered). */
function collect(node: unknown, out: { text: string[]; testIds: string[] }) {
  if (node === null || node === undefined || typeof node === "boolean") return out;
  if (typeof node === "string" || typeof node === "number") {
    out.text.push(String(node));
    return out;
  }
  if (Array.isArray(node)) {
    for (const child of node) collect(child, out);
    return out;
  }
  const props = (node as { props?: Record<string, unknown> }).props ?? {};
  if (typeof props["data-testid"] === "string") out.testIds.push(props["data-testid"]);
  collect(props.children, out);
  return out;
}

describe("/recommendations page", () => {
  it("lists the findings with location, market, water and cost, and says what to do when a filter leaves none", async () => {
    actAs({ cookie: viewer.cookie });
    const page = collect(await RecommendationsPage({ searchParams: Promise.resolve({}) }), {
      text: [],
      testIds: [],
    });
    expect(page.testIds.filter((id) => id === "finding")).toHaveLength(2);
    expect(page.text.join(" ")).toContain("12.5 kg");
    expect(page.text.join(" ")).toContain("unknown");
    const empty = collect(
      await RecommendationsPage({ searchParams: Promise.resolve({ state: "accepted" }) }),
      { text: [], testIds: [] },
    );
    expect(empty.testIds).toContain("recommendations-empty");
    expect(empty.text.join(" ")).toContain("Recompute");
  });
});
