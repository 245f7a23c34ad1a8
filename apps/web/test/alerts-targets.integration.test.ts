import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetReports, withTenantClient } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import { sciScore } from "@canopy/methodology";
import { generateReport, getReport, parsePeriod } from "@canopy/reports";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as alertsRoute from "@/app/api/v1/alerts/route";
import * as acknowledgeRoute from "@/app/api/v1/alerts/[id]/acknowledge/route";
import * as muteRoute from "@/app/api/v1/alerts/[id]/mute/route";
import * as budgetsRoute from "@/app/api/v1/budgets/route";
import * as webhooksRoute from "@/app/api/v1/webhooks/route";
import * as targetsRoute from "@/app/api/v1/targets/route";
import * as efficiencyRoute from "@/app/api/v1/efficiency/route";
import * as unitsRoute from "@/app/api/v1/functional-units/route";
import * as manifestRoute from "@/app/api/v1/functional-units/manifest/route";
import * as summaryRoute from "@/app/api/v1/emissions/summary/route";

/**
 * Targets, budgets, webhooks, alerts, carbon efficiency and SCI through the REST API, each figure
 * checked against a direct SQL sum, and the report's target figures against the same function.
 * Two years of synthetic hourly emissions (2024 the base year, 2025 the year measured).
 */
let db: TestDatabase;
let owner: TestUser;
let viewer: TestUser;
let tenantId: string;

const total = "co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg";
async function sumDaily(from: string, to: string): Promise<number> {
  const { rows } = await db.owner.pool.query<{ kg: number }>(
    `SELECT coalesce(sum(${total}), 0)::float8 AS kg FROM emissions_daily
     WHERE tenant_id = $1 AND day >= $2 AND day < $3`,
    [tenantId, from, to],
  );
  return rows[0]!.kg;
}

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@targets.test");
  viewer = await signUp("viewer@targets.test");
  tenantId = await createOrganization(owner, "Targets");
  await addMember(db, tenantId, viewer, "viewer");
  await seedEmissions(db.owner.pool, {
    tenantId,
    accounts: 2,
    services: 2,
    combos: 3,
    start: new Date("2024-01-01T00:00:00Z"),
    hours: 24 * 731,
  });
}, 120_000);
afterAll(async () => tearDownWebTestDatabase(db));

describe("targets", () => {
  it("sets the SBTi preset and shows progress equal to the stored sums; the report uses the same function", async () => {
    const set = await call(targetsRoute.POST, {
      path: "/api/v1/targets",
      method: "POST",
      credential: owner,
      json: { basis: "location", baseYear: 2024, targetYear: 2030, preset: "sbti-1.5c-linear" },
    });
    expect(set.status).toBe(201);
    expect((set.body.target as { reductionPercent: number }).reductionPercent).toBeCloseTo(25.2, 9);

    const refused = await call(targetsRoute.POST, {
      path: "/api/v1/targets",
      method: "POST",
      credential: viewer,
      json: { basis: "location", baseYear: 2024, targetYear: 2030, reductionPercent: 10 },
    });
    expect(refused.status).toBe(403);
    const invalid = await call(targetsRoute.POST, {
      path: "/api/v1/targets",
      method: "POST",
      credential: owner,
      json: { basis: "location", baseYear: 2030, targetYear: 2024, reductionPercent: 10 },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error?.fields?.targetYear).toBeDefined();

    const listed = await call(targetsRoute.GET, {
      path: "/api/v1/targets?year=2025",
      credential: viewer,
    });
    expect(listed.status).toBe(200);
    const [item] = listed.body.items as {
      progress: Record<string, number | string>;
      forecastMethod: string;
    }[];
    const base = await sumDaily("2024-01-01", "2025-01-01");
    const year = await sumDaily("2025-01-01", "2026-01-01");
    expect(item!.progress.baseYearKg as number).toBeCloseTo(base, 6);
    // A past year is observed in full: nothing left to forecast.
    expect(item!.progress.yearToDateKg as number).toBeCloseTo(year, 6);
    expect(item!.progress.forecastKg as number).toBeCloseTo(year, 6);
    expect(item!.progress.pathwayKg as number).toBeCloseTo(base * (1 - 0.042), 6);

    // The June 2025 report: progress as of 1 July, the forecast from January–June's trend.
    const { report } = await generateReport(
      db.app,
      tenantId,
      { period: parsePeriod("2025-06") },
      { userId: owner.userId, role: "owner" },
    );
    const { model } = await getReport(db.app, tenantId, report.id, {
      userId: owner.userId,
      role: "owner",
    });
    const direct = await withTenantClient(db.app, tenantId, (client) =>
      targetReports(client, { asOf: new Date("2025-07-01T00:00:00Z"), year: 2025 }),
    );
    expect(model.content.targets).toEqual(JSON.parse(JSON.stringify(direct)));
    const june = model.content.targets![0]!.progress;
    expect(june.yearToDateKg).toBeCloseTo(await sumDaily("2025-01-01", "2025-07-01"), 6);
    expect(june.forecastKg).toBeGreaterThan(june.yearToDateKg);
    expect(june.forecastHighKg).toBeGreaterThan(june.forecastKg);
    expect(june.forecastLowKg).toBeLessThan(june.forecastKg);
  });
});

describe("carbon efficiency and SCI", () => {
  it("kg per 1,000 of spend per month equals the SQL ratio and the dashboard summary's", async () => {
    const response = await call(efficiencyRoute.GET, {
      path: "/api/v1/efficiency?from=2025-02&to=2025-03",
      credential: viewer,
    });
    expect(response.status).toBe(200);
    const months = response.body.months as {
      month: string;
      currency: string;
      kgCo2ePer1000: number;
    }[];
    expect(months.map((m) => [m.month, m.currency])).toEqual([
      ["2025-02", "USD"],
      ["2025-03", "USD"],
    ]);
    const { rows } = await db.owner.pool.query<{ kg: number; cost: number }>(
      `SELECT sum(${total})::float8 AS kg, sum(cost_amount)::float8 AS cost FROM emissions_monthly
       WHERE tenant_id = $1 AND month = '2025-02-01'`,
      [tenantId],
    );
    expect(months[0]!.kgCo2ePer1000).toBeCloseTo((rows[0]!.kg / rows[0]!.cost) * 1000, 9);
    const summary = await call(summaryRoute.GET, {
      path: "/api/v1/emissions/summary?from=2025-02-01&to=2025-02-28",
      credential: viewer,
    });
    expect(summary.body.kgCo2ePer1000Currency as number).toBeCloseTo(months[0]!.kgCo2ePer1000, 6);
  });

  it("SCI per workload from posted functional units, with sciScore on the tagged rows", async () => {
    const posted = await call(unitsRoute.POST, {
      path: "/api/v1/functional-units",
      method: "POST",
      credential: owner,
      json: {
        items: [
          {
            tagKey: "team",
            tagValue: "team-1",
            periodStart: "2025-02-01",
            periodEnd: "2025-03-01",
            unitName: "requests",
            unitCount: 2_000_000,
          },
          {
            tagKey: "team",
            tagValue: "team-1",
            periodStart: "2025-03-01",
            periodEnd: "2025-04-01",
            unitName: "requests",
            unitCount: 2_500_000,
          },
        ],
      },
    });
    expect(posted.status).toBe(201);
    const items = posted.body.items as { periodStart: string; sciKgPerUnit: number }[];
    expect(items.map((i) => i.periodStart)).toEqual(["2025-02-01", "2025-03-01"]);
    const { rows } = await db.owner.pool.query<{ kwh: number; loc: number; emb: number }>(
      `SELECT sum(kwh_facility)::float8 AS kwh, sum(co2e_location_kg)::float8 AS loc, sum(co2e_embodied_kg)::float8 AS emb
       FROM emissions_hourly WHERE tenant_id = $1 AND hour >= '2025-02-01' AND hour < '2025-03-01' AND tags ->> 'team' = 'team-1'`,
      [tenantId],
    );
    const r = rows[0]!;
    expect(r.kwh).toBeGreaterThan(0);
    expect(items[0]!.sciKgPerUnit).toBeCloseTo(
      sciScore({
        energyKwh: r.kwh,
        gridIntensityGPerKwh: (r.loc * 1000) / r.kwh,
        embodiedKg: r.emb,
        functionalUnits: 2_000_000,
      }),
      15,
    );
    // Posting the same period again replaces its count.
    await call(unitsRoute.POST, {
      path: "/api/v1/functional-units",
      method: "POST",
      credential: owner,
      json: {
        items: [
          {
            tagKey: "team",
            tagValue: "team-1",
            periodStart: "2025-02-01",
            periodEnd: "2025-03-01",
            unitName: "requests",
            unitCount: 1_000_000,
          },
        ],
      },
    });
    const listed = await call(unitsRoute.GET, {
      path: "/api/v1/functional-units?tagKey=team",
      credential: viewer,
    });
    const after = listed.body.items as {
      periodStart: string;
      unitCount: number;
      sciKgPerUnit: number;
    }[];
    expect(after.map((i) => i.unitCount)).toEqual([1_000_000, 2_500_000]);
    expect(after[0]!.sciKgPerUnit).toBeCloseTo(items[0]!.sciKgPerUnit * 2, 12);
    const viewerPost = await call(unitsRoute.POST, {
      path: "/api/v1/functional-units",
      method: "POST",
      credential: viewer,
      json: { items: [] },
    });
    expect(viewerPost.status).toBe(403);

    // The same points as an Impact Framework manifest: the builtin Sci plugin divides `carbon` by
    // the unit named in its global config, which must give sciKgPerUnit × 1000 (g per unit).
    const exported = await call(manifestRoute.GET, {
      path: "/api/v1/functional-units/manifest",
      credential: viewer,
    });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toMatch(/^application\/yaml/);
    const manifest = exported.body as {
      initialize: {
        plugins: Record<
          string,
          { method: string; path: string; "global-config": Record<string, string> }
        >;
      };
      tree: {
        children: Record<
          string,
          { pipeline: { compute: string[] }; inputs: Record<string, number | string>[] }
        >;
      };
    };
    expect(manifest.initialize.plugins["sci-requests"]).toEqual({
      method: "Sci",
      path: "builtin",
      "global-config": { "functional-unit": "requests" },
    });
    const child = manifest.tree.children["team=team-1 per requests"]!;
    expect(child.pipeline.compute).toEqual(["sci-requests"]);
    expect(child.inputs.map((i) => [i.timestamp, i.duration, i.requests])).toEqual([
      ["2025-02-01T00:00:00.000Z", 28 * 86_400, 1_000_000],
      ["2025-03-01T00:00:00.000Z", 31 * 86_400, 2_500_000],
    ]);
    for (const [i, input] of child.inputs.entries()) {
      expect((input.carbon as number) / (input.requests as number)).toBeCloseTo(
        after[i]!.sciKgPerUnit * 1000,
        12,
      );
      expect(input.carbon as number).toBeCloseTo(
        (input["carbon-operational"] as number) + (input["carbon-embodied"] as number),
        9,
      );
    }
  });
});

describe("budgets, webhooks and alerts", () => {
  it("budgets: admins create, everyone reads the burn-down; a half tag is refused", async () => {
    const created = await call(budgetsRoute.POST, {
      path: "/api/v1/budgets",
      method: "POST",
      credential: owner,
      json: {
        name: "Team 1",
        tagKey: "team",
        tagValue: "team-1",
        period: "quarter",
        budgetCo2eKg: 5000,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.evaluation).toMatchObject({ status: expect.any(String) });
    const half = await call(budgetsRoute.POST, {
      path: "/api/v1/budgets",
      method: "POST",
      credential: owner,
      json: { name: "Half", tagKey: "team", budgetCo2eKg: 5 },
    });
    expect(half.status).toBe(400);
    expect(half.body.error?.fields?.tagValue).toBeDefined();
    expect(
      (
        await call(budgetsRoute.POST, {
          path: "/api/v1/budgets",
          method: "POST",
          credential: viewer,
          json: { name: "No", budgetCo2eKg: 5 },
        })
      ).status,
    ).toBe(403);
    const listed = await call(budgetsRoute.GET, { path: "/api/v1/budgets", credential: viewer });
    expect((listed.body.items as unknown[]).length).toBe(1);
  });

  it("webhooks: the secret is returned once, never listed; only https or localhost", async () => {
    const created = await call(webhooksRoute.POST, {
      path: "/api/v1/webhooks",
      method: "POST",
      credential: owner,
      json: { name: "Slack", url: "https://hooks.slack.example/services/T0/B0/xyz" },
    });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const listed = await call(webhooksRoute.GET, { path: "/api/v1/webhooks", credential: owner });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const plain = await call(webhooksRoute.POST, {
      path: "/api/v1/webhooks",
      method: "POST",
      credential: owner,
      json: { name: "Plain", url: "http://hooks.example.com/x" },
    });
    expect(plain.status).toBe(400);
    expect(plain.body.error?.fields?.url).toBeDefined();
    expect(
      (await call(webhooksRoute.GET, { path: "/api/v1/webhooks", credential: viewer })).status,
    ).toBe(403);
  });

  it("alerts: listed with a headline, acknowledged and muted by analysts and above", async () => {
    const { rows } = await db.owner.pool.query<{ id: string }>(
      `INSERT INTO alerts (tenant_id, kind, scope_type, scope_key, scope_label, basis, day, co2e_kg, baseline_co2e_kg, details, dedupe_key)
       VALUES ($1, 'spike', 'service', 'service-00', 'service-00', 'location', '2025-12-30', 300, 100,
               '{"score": 8, "spreadKg": 20, "excessKg": 200}', 'x') RETURNING id`,
      [tenantId],
    );
    const id = rows[0]!.id;
    const listed = await call(alertsRoute.GET, { path: "/api/v1/alerts", credential: viewer });
    const [alert] = listed.body.items as { id: string; headline: string; status: string }[];
    expect(alert).toMatchObject({ id, status: "open" });
    expect(alert!.headline).toBe(
      "Emission spike: service-00 on 2025-12-30: 300 kg CO2e, 200 % above its usual 100 kg CO2e (location-based)",
    );
    const byViewer = await call(acknowledgeRoute.POST, {
      path: `/api/v1/alerts/${id}/acknowledge`,
      method: "POST",
      credential: viewer,
      params: { id },
    });
    expect(byViewer.status).toBe(403);
    const acknowledged = await call(acknowledgeRoute.POST, {
      path: `/api/v1/alerts/${id}/acknowledge`,
      method: "POST",
      credential: owner,
      params: { id },
    });
    expect(acknowledged.body).toMatchObject({
      status: "acknowledged",
      acknowledgedAt: expect.any(String),
    });
    const muted = await call(muteRoute.POST, {
      path: `/api/v1/alerts/${id}/mute`,
      method: "POST",
      credential: owner,
      params: { id },
      json: { days: 7 },
    });
    expect(muted.status).toBe(201);
    expect(muted.body).toMatchObject({ scopeType: "service", scopeKey: "service-00" });
    const after = await call(alertsRoute.GET, { path: "/api/v1/alerts", credential: viewer });
    expect((after.body.mutes as unknown[]).length).toBe(1);
    const audit = await db.owner.pool.query(
      "SELECT action FROM audit_log WHERE tenant_id = $1 AND action LIKE 'alert.%' ORDER BY id",
      [tenantId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["alert.acknowledge", "alert.mute"]);
  });
});
