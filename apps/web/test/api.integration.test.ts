import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import {
  addMember,
  createOrganization,
  headersFor,
  ownerReport,
  signUp,
  type TestUser,
} from "./users";
import { call } from "./call";
import * as emissions from "@/app/api/v1/emissions/route";
import * as breakdown from "@/app/api/v1/emissions/breakdown/route";
import * as summary from "@/app/api/v1/emissions/summary/route";
import * as accounts from "@/app/api/v1/accounts/route";
import * as account from "@/app/api/v1/accounts/[id]/route";
import * as imports from "@/app/api/v1/imports/route";
import * as importOne from "@/app/api/v1/imports/[id]/route";
import * as importConfirm from "@/app/api/v1/imports/[id]/confirm/route";
import * as importRestore from "@/app/api/v1/imports/[id]/restore/route";
import * as jobs from "@/app/api/v1/jobs/route";
import * as apiKeys from "@/app/api/v1/api-keys/route";
import * as apiKey from "@/app/api/v1/api-keys/[id]/route";
import * as openapi from "@/app/api/v1/openapi.json/route";
import * as allocationRoute from "@/app/api/v1/allocation/route";
import * as allocationRules from "@/app/api/v1/allocation/rules/route";
import * as costCentres from "@/app/api/v1/cost-centres/route";
import * as costCentreEmissions from "@/app/api/v1/cost-centres/[id]/emissions/route";
import * as reports from "@/app/api/v1/reports/route";
import * as reportFinalize from "@/app/api/v1/reports/[id]/finalize/route";
import * as reportDownload from "@/app/api/v1/reports/[id]/download/route";
import { finalizeReport } from "@canopy/reports";

const sample = path.resolve(
  __dirname,
  "../../../packages/connectors/test/samples/aws/sample-anonymous-aws-export-dataset.csv",
);

let db: TestDatabase;
let owner: TestUser;
let viewer: TestUser;
let analyst: TestUser;
let tenantId: string;
let accountIds: string[];

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@a.test");
  viewer = await signUp("viewer@a.test");
  analyst = await signUp("analyst@a.test");
  tenantId = await createOrganization(owner, "Org A");
  await addMember(db, tenantId, viewer, "viewer");
  await addMember(db, tenantId, analyst, "analyst");
  accountIds = await seedEmissions(db.owner.pool, {
    tenantId,
    accounts: 3,
    services: 4,
    combos: 12,
    start: new Date("2025-01-01T00:00:00Z"),
    hours: 24 * 90,
  });
});

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

async function dbTotals(from: string, to: string) {
  const { rows } = await db.owner.pool.query<{
    loc: number;
    mkt: number;
    emb: number;
    kwh: number;
    water: number;
  }>(
    `SELECT sum(co2e_location_kg) AS loc, sum(co2e_market_kg) AS mkt, sum(co2e_embodied_kg) AS emb,
            sum(kwh_facility) AS kwh, sum(water_l) AS water
     FROM emissions_hourly WHERE tenant_id = $1 AND hour >= $2::timestamptz AND hour < $3::timestamptz + interval '1 day'`,
    [tenantId, `${from}T00:00:00Z`, `${to}T00:00:00Z`],
  );
  return rows[0]!;
}

describe("GET /api/v1/emissions/summary", () => {
  it("totals over a range equal the stored hourly emissions, whole months and partial ones alike", async () => {
    for (const [from, to] of [
      ["2025-01-01", "2025-03-31"],
      ["2025-01-10", "2025-02-20"],
    ] as const) {
      const response = await call(summary.GET, {
        path: `/api/v1/emissions/summary?from=${from}&to=${to}`,
        credential: viewer,
      });
      expect(response.status).toBe(200);
      const totals = response.body.totals as Record<string, number>;
      const expected = await dbTotals(from, to);
      expect(totals.co2eLocationKg).toBeCloseTo(expected.loc, 6);
      expect(totals.co2eMarketKg).toBeCloseTo(expected.mkt, 6);
      expect(totals.co2eEmbodiedKg).toBeCloseTo(expected.emb, 6);
      expect(totals.kwhFacility).toBeCloseTo(expected.kwh, 6);
      expect(totals.waterL).toBeCloseTo(expected.water, 6);
    }
  });

  it("defaults to the 12 months ending on the last day with data", async () => {
    const response = await call(summary.GET, {
      path: "/api/v1/emissions/summary",
      credential: viewer,
    });
    expect(response.body.range).toEqual({ from: "2024-04-01", to: "2025-03-31" });
    const months = response.body.months as Record<string, { month: string; co2eTotalKg: number }>;
    expect(months.current!.month).toBe("2025-03-01");
    expect(months.previous!.co2eTotalKg).toBeGreaterThan(0);
    expect(months.yearAgo!.co2eTotalKg).toBe(0);
    expect(response.body.months).toMatchObject({ throughDay: null });
    expect(response.body.defaultsShare as number).toBeGreaterThan(0);
  });

  it("compares a month in progress with the same days of the month before", async () => {
    const response = await call(summary.GET, {
      path: "/api/v1/emissions/summary?from=2025-01-01&to=2025-03-15",
      credential: viewer,
    });
    const months = response.body.months as {
      throughDay: number;
      current: { co2eTotalKg: number };
      previous: { month: string; co2eTotalKg: number };
    };
    expect(months.throughDay).toBe(15);
    expect(months.previous.month).toBe("2025-02-01");
    const february = await dbTotals("2025-02-01", "2025-02-15");
    const march = await dbTotals("2025-03-01", "2025-03-15");
    expect(months.previous.co2eTotalKg).toBeCloseTo(february.loc + february.emb, 6);
    expect(months.current.co2eTotalKg).toBeCloseTo(march.loc + march.emb, 6);
  });
});

describe("GET /api/v1/emissions", () => {
  it("serves month, day and hour points whose sums agree", async () => {
    const q = "from=2025-02-01&to=2025-02-10&groupBy=provider";
    const byMonth = await call(emissions.GET, {
      path: `/api/v1/emissions?${q}&granularity=month`,
      credential: analyst,
    });
    const byDay = await call(emissions.GET, {
      path: `/api/v1/emissions?${q}&granularity=day`,
      credential: analyst,
    });
    const byHour = await call(emissions.GET, {
      path: `/api/v1/emissions?${q}&granularity=hour`,
      credential: analyst,
    });
    const sum = (r: typeof byMonth) =>
      (r.body.points as { co2eTotalKg: number }[]).reduce((s, p) => s + p.co2eTotalKg, 0);
    expect(byDay.body.source).toBe("daily");
    expect(byHour.body.source).toBe("hourly");
    expect((byHour.body.points as unknown[]).length).toBe(240 * 3);
    expect(sum(byDay)).toBeCloseTo(sum(byMonth), 6);
    expect(sum(byHour)).toBeCloseTo(sum(byMonth), 6);
  });

  it("refuses hourly points for more than 14 days with a field error", async () => {
    const response = await call(emissions.GET, {
      path: "/api/v1/emissions?from=2025-01-01&to=2025-01-31&granularity=hour",
      credential: viewer,
    });
    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe("validation_error");
    expect(response.body.error?.fields?.granularity?.[0]).toMatch(/14 days/);
  });

  it("validates every parameter", async () => {
    const response = await call(emissions.GET, {
      path: "/api/v1/emissions?from=2025-13-01&granularity=week&provider=linode&account=nope",
      credential: viewer,
    });
    expect(response.status).toBe(400);
    expect(Object.keys(response.body.error!.fields!).sort()).toEqual([
      "account.0",
      "from",
      "granularity",
      "provider.0",
    ]);
  });

  it("filters by provider, account and tag, and stacks by scope", async () => {
    const base = "/api/v1/emissions?from=2025-01-01&to=2025-01-07&granularity=day";
    const all = await call(emissions.GET, { path: `${base}&groupBy=account`, credential: viewer });
    const one = await call(emissions.GET, {
      path: `${base}&groupBy=account&account=${accountIds[0]}`,
      credential: viewer,
    });
    const groups = (r: typeof all) =>
      new Set((r.body.points as { group: string }[]).map((p) => p.group));
    expect(groups(all).size).toBe(3);
    expect([...groups(one)]).toEqual([accountIds[0]]);
    const tagged = await call(emissions.GET, {
      path: `${base}&groupBy=none&tag=team=team-1`,
      credential: viewer,
    });
    expect(tagged.body.source).toBe("hourly");
    const scope = await call(emissions.GET, { path: `${base}&groupBy=scope`, credential: viewer });
    expect(groups(scope)).toEqual(new Set(["operational", "embodied", "spend-based"]));
  });
});

describe("GET /api/v1/emissions/breakdown", () => {
  it("paginates groups largest first and adds region factors", async () => {
    const page1 = await call(breakdown.GET, {
      path: "/api/v1/emissions/breakdown?groupBy=service&limit=2&from=2025-01-01&to=2025-03-31",
      credential: viewer,
    });
    const page2 = await call(breakdown.GET, {
      path: "/api/v1/emissions/breakdown?groupBy=service&limit=2&page=2&from=2025-01-01&to=2025-03-31",
      credential: viewer,
    });
    expect(page1.body.totalItems).toBe(4);
    const items = [
      ...(page1.body.items as { co2eTotalKg: number; key: string }[]),
      ...(page2.body.items as { co2eTotalKg: number; key: string }[]),
    ];
    expect(items.map((i) => i.co2eTotalKg)).toEqual(
      [...items.map((i) => i.co2eTotalKg)].sort((a, b) => b - a),
    );
    const regions = await call(breakdown.GET, {
      path: "/api/v1/emissions/breakdown?groupBy=region",
      credential: viewer,
    });
    const first = (
      regions.body.items as { region: { gridIntensityGPerKwh: number; pue: number } }[]
    )[0]!;
    expect(first.region.gridIntensityGPerKwh).toBeGreaterThan(0);
    expect(first.region.pue).toBeGreaterThanOrEqual(1);
  });
});

describe("allocation: /api/v1/allocation and /api/v1/cost-centres", () => {
  type Measures = Record<string, number>;
  it("splits a month by tag rules; cost centres + unallocated = the dashboard's total for the month", async () => {
    const centre = async (name: string) => {
      const response = await call(costCentres.POST, {
        path: "/api/v1/cost-centres",
        method: "POST",
        credential: owner,
        json: { name },
      });
      expect(response.status).toBe(201);
      return response.body.id as string;
    };
    const [a, b] = [await centre("Team A"), await centre("Team B")];
    const again = await call(costCentres.POST, {
      path: "/api/v1/cost-centres",
      method: "POST",
      credential: owner,
      json: { name: "Team A" },
    });
    expect(again.status).toBe(409);
    const rule = (tagValue: string, targets: { costCentreId: string; weight?: number }[]) => ({
      tagKey: "team",
      tagValue,
      split: "fixed",
      targets,
    });
    const put = await call(allocationRules.PUT, {
      path: "/api/v1/allocation/rules",
      method: "PUT",
      credential: owner,
      json: {
        rules: [
          rule("team-0", [{ costCentreId: a }]),
          rule("team-1", [{ costCentreId: b }]),
          rule("team-2", [{ costCentreId: a }, { costCentreId: b }]),
        ],
      },
    });
    expect(put.status).toBe(200);
    expect((put.body.items as unknown[]).length).toBe(3);
    const refused = await call(allocationRules.PUT, {
      path: "/api/v1/allocation/rules",
      method: "PUT",
      credential: analyst,
      json: { rules: [] },
    });
    expect(refused.status).toBe(403);
    const invalid = await call(allocationRules.PUT, {
      path: "/api/v1/allocation/rules",
      method: "PUT",
      credential: owner,
      json: { rules: [{ tagKey: "team", split: "fixed", targets: [] }] },
    });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.body.error!.fields!).sort()).toEqual([
      "rules.0.tagValue",
      "rules.0.targets",
    ]);

    const allocation = await call(allocationRoute.GET, {
      path: "/api/v1/allocation?month=2025-02",
      credential: viewer,
    });
    expect(allocation.status).toBe(200);
    const month = await call(summary.GET, {
      path: "/api/v1/emissions/summary?from=2025-02-01&to=2025-02-28",
      credential: viewer,
    });
    const dashboard = month.body.totals as Measures;
    const total = allocation.body.total as Measures;
    for (const key of [
      "co2eTotalKg",
      "co2eTotalMarketBasedKg",
      "co2eLocationKg",
      "kwhFacility",
      "waterL",
      "costAmount",
    ]) {
      expect(total[key], key).toBeCloseTo(dashboard[key]!, 6);
      const parts = (allocation.body.costCentres as { measures: Measures }[]).reduce(
        (sum, c) => sum + c.measures[key]!,
        0,
      );
      expect(parts + (allocation.body.unallocated as Measures)[key]!, key).toBeCloseTo(
        total[key]!,
        6,
      );
    }
    // team-3 is the only team without a rule: unallocated is exactly its rows.
    const { rows } = await db.owner.pool.query<{ kg: number }>(
      `SELECT sum(co2e_location_kg)::float8 AS kg FROM emissions_hourly
       WHERE tenant_id = $1 AND hour >= '2025-02-01' AND hour < '2025-03-01' AND tags ->> 'team' = 'team-3'`,
      [tenantId],
    );
    expect((allocation.body.unallocated as Measures).co2eLocationKg).toBeCloseTo(rows[0]!.kg, 6);

    const one = await call(costCentreEmissions.GET, {
      path: `/api/v1/cost-centres/${a}/emissions?month=2025-02`,
      credential: viewer,
      params: { id: a },
    });
    expect(one.status).toBe(200);
    expect((one.body.days as unknown[]).length).toBe(28);
    const fromList = (allocation.body.costCentres as { id: string; measures: Measures }[]).find(
      (c) => c.id === a,
    )!;
    expect((one.body.measures as Measures).co2eTotalKg).toBeCloseTo(
      fromList.measures.co2eTotalKg!,
      9,
    );
  });
});

describe("roles and credentials", () => {
  it("refuses anonymous calls with 401 and low roles with 403", async () => {
    expect((await call(summary.GET, { path: "/api/v1/emissions/summary" })).status).toBe(401);
    expect(
      (await call(accounts.GET, { path: "/api/v1/accounts", credential: viewer })).status,
    ).toBe(403);
    const forbidden = await call(apiKeys.POST, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential: viewer,
      json: { name: "x" },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error?.code).toBe("forbidden");
    expect(
      (await call(apiKeys.GET, { path: "/api/v1/api-keys", credential: analyst })).status,
    ).toBe(403);
  });

  it("creates an API key shown once, uses it with its role, and revokes it", async () => {
    const invalid = await call(apiKeys.POST, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential: owner,
      json: { name: "", role: "root" },
    });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.body.error!.fields!).sort()).toEqual(["name", "role"]);
    const created = await call(apiKeys.POST, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential: owner,
      json: { name: "BI", role: "analyst" },
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^cnp_[a-z0-9]{8}_/);
    const { rows } = await db.owner.pool.query("SELECT key_hash FROM api_keys WHERE id = $1", [
      created.body.id,
    ]);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(key);

    const listed = await call(apiKeys.GET, { path: "/api/v1/api-keys", credential: owner });
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(
      (await call(accounts.GET, { path: "/api/v1/accounts", credential: { apiKey: key } })).status,
    ).toBe(200);
    expect(
      (await call(apiKeys.GET, { path: "/api/v1/api-keys", credential: { apiKey: key } })).status,
    ).toBe(403);

    const revoked = await call(apiKey.DELETE, {
      path: `/api/v1/api-keys/${created.body.id}`,
      method: "DELETE",
      credential: owner,
      params: { id: created.body.id as string },
    });
    expect(revoked.status).toBe(200);
    const after = await call(accounts.GET, {
      path: "/api/v1/accounts",
      credential: { apiKey: key },
    });
    expect(after.status).toBe(401);
    const audit = await db.owner.pool.query(
      "SELECT action FROM audit_log WHERE tenant_id = $1 ORDER BY id",
      [tenantId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(["api_key.create", "api_key.revoke"]),
    );
  });

  it("creates a key that expires, and refuses it once expired, saying so", async () => {
    const tooLong = await call(apiKeys.POST, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential: owner,
      json: { name: "CI", expiresInDays: 0 },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error?.fields?.expiresInDays).toEqual(["At least 1 day."]);
    const created = await call(apiKeys.POST, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential: owner,
      json: { name: "CI", role: "viewer", expiresInDays: 30 },
    });
    expect(created.status).toBe(201);
    const expiresAt = Date.parse(created.body.expiresAt as string);
    expect(Math.abs(expiresAt - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    const key = created.body.key as string;
    const use = () =>
      call(summary.GET, { path: "/api/v1/emissions/summary", credential: { apiKey: key } });
    expect((await use()).status).toBe(200);
    await db.owner.pool.query(
      "UPDATE api_keys SET expires_at = '2026-01-02T03:04:00Z' WHERE id = $1",
      [created.body.id],
    );
    const expired = await use();
    expect(expired.status).toBe(401);
    expect(expired.body.error?.message).toBe(
      "This API key expired on 2026-01-02 03:04 UTC; an admin can create a new one under Settings → API keys.",
    );
    const never = await call(apiKeys.POST, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential: owner,
      json: { name: "forever" },
    });
    expect(never.body.expiresAt).toBeNull();
  });

  it("refuses a malformed or unknown key", async () => {
    expect(
      (
        await call(summary.GET, {
          path: "/api/v1/emissions/summary",
          credential: { apiKey: "nope" },
        })
      ).status,
    ).toBe(401);
    const unknown = `cnp_abcdef12_${"A".repeat(43)}`;
    expect(
      (
        await call(summary.GET, {
          path: "/api/v1/emissions/summary",
          credential: { apiKey: unknown },
        })
      ).status,
    ).toBe(401);
  });

  it("stops a removed member's session at once", async () => {
    const leaver = await signUp("leaver@a.test");
    const memberId = await addMember(db, tenantId, leaver, "analyst");
    expect((await call(jobs.GET, { path: "/api/v1/jobs", credential: leaver })).status).toBe(200);
    await db.owner.pool.query("DELETE FROM memberships WHERE id = $1", [memberId]);
    expect((await call(jobs.GET, { path: "/api/v1/jobs", credential: leaver })).status).toBe(401);
  });
});

describe("accounts and jobs", () => {
  it("lists accounts without credentials and paginates", async () => {
    const page = await call(accounts.GET, {
      path: "/api/v1/accounts?limit=2",
      credential: analyst,
    });
    expect(page.body.totalItems).toBe(3);
    expect((page.body.items as unknown[]).length).toBe(2);
    expect(JSON.stringify(page.body)).not.toMatch(/ciphertext/);
    const one = await call(account.GET, {
      path: `/api/v1/accounts/${accountIds[1]}`,
      credential: analyst,
      params: { id: accountIds[1]! },
    });
    expect(one.body.id).toBe(accountIds[1]);
    const bad = await call(account.GET, {
      path: "/api/v1/accounts/x",
      credential: analyst,
      params: { id: "x" },
    });
    expect(bad.status).toBe(400);
  });

  it("sets an account's source precedence (admins only), refuses unknown kinds and resets to the default", async () => {
    const patch = (credential: TestUser, body: unknown) =>
      call(account.PATCH, {
        path: `/api/v1/accounts/${accountIds[0]}`,
        method: "PATCH",
        credential,
        params: { id: accountIds[0]! },
        json: body,
      });
    expect((await patch(analyst, { sourcePrecedence: ["focus"] })).status).toBe(403);
    const set = await patch(owner, { sourcePrecedence: ["focus", "cur2"] });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ sourcePrecedence: ["focus", "cur2"], parentAccountId: null });
    const bad = await patch(owner, { sourcePrecedence: ["cur2", "bogus"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.fields?.sourcePrecedence?.[0]).toMatch(/Unknown source kind "bogus"/);
    const reset = await patch(owner, { sourcePrecedence: null });
    expect(reset.body.sourcePrecedence).toBeNull();
    const audit = await db.owner.pool.query(
      "SELECT details FROM audit_log WHERE tenant_id = $1 AND action = 'account.source_precedence' ORDER BY id",
      [tenantId],
    );
    expect(audit.rows.map((r) => r.details.sourcePrecedence)).toEqual([["focus", "cur2"], null]);
  });
});

describe("imports", () => {
  it("imports a multipart upload, reports progress and the totals it added", async () => {
    const form = new FormData();
    form.set("file", new Blob([readFileSync(sample)]), "sample-anonymous-aws-export-dataset.csv");
    const created = await call(imports.POST, {
      path: "/api/v1/imports",
      method: "POST",
      credential: owner,
      body: form,
    });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    let view: Record<string, unknown> = {};
    for (let i = 0; i < 120; i++) {
      view = (
        await call(importOne.GET, {
          path: `/api/v1/imports/${id}`,
          credential: analyst,
          params: { id },
        })
      ).body;
      if (view.status === "failed" || (view.status === "succeeded" && view.estimates === "done"))
        break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(view.status).toBe("succeeded");
    const s = view.summary as {
      linesRead: number;
      linesImported: number;
      skipped: Record<string, { lines: number; first: { line: number }[] }>;
      span: { start: string };
    };
    expect(s.linesRead).toBe(1281);
    expect(s.linesImported).toBeGreaterThan(1000);
    expect(s.span.start.slice(0, 7)).toBe("2023-11");
    expect(JSON.stringify(view)).not.toContain("fileKey");
    const totals = view.totals as { co2eLocationKg: number };
    expect(totals.co2eLocationKg).toBeGreaterThan(0);

    const list = await call(imports.GET, { path: "/api/v1/imports?limit=1", credential: analyst });
    expect((list.body.items as { id: string }[])[0]!.id).toBe(id);
    const runs = await call(jobs.GET, { path: "/api/v1/jobs", credential: analyst });
    const run = (
      runs.body.items as {
        kind: string;
        status: string;
        windowStart: string | null;
        windowEnd: string | null;
        startedAt: string | null;
        finishedAt: string | null;
      }[]
    ).find((r) => r.kind === "import" && r.status === "succeeded");
    expect(run).toBeDefined();
    // The usage window the import replaced, and when it ran.
    expect(Date.parse(run!.windowEnd!)).toBeGreaterThan(Date.parse(run!.windowStart!));
    expect(Date.parse(run!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(run!.startedAt!));
  }, 120_000);

  it("refuses an upload without a file, and from an analyst", async () => {
    const empty = await call(imports.POST, {
      path: "/api/v1/imports",
      method: "POST",
      credential: owner,
      body: new FormData(),
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error?.fields?.file).toBeTruthy();
    const form = new FormData();
    form.set("file", new Blob(["x"]), "x.csv");
    expect(
      (
        await call(imports.POST, {
          path: "/api/v1/imports",
          method: "POST",
          credential: analyst,
          body: form,
        })
      ).status,
    ).toBe(403);
  });
});

describe("imports that would replace stored data they do not re-supply", () => {
  const ACCOUNT = "210987654321";
  const HOUR = 3_600_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");
  /** A legacy CUR of EC2 every hour and a day of S3 per day (as in the jobs' ledger test). */
  const cur = (firstDay: string, days: number, options: { scale?: number; s3?: boolean } = {}) => {
    const scale = options.scale ?? 1;
    const lines = [
      "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,bill/PayerAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode,product/region,pricing/unit",
    ];
    const start = Date.parse(firstDay);
    for (let h = 0; h < days * 24; h++) {
      const at = start + h * HOUR;
      lines.push(
        `Usage,${iso(at)},${iso(at + HOUR)},${ACCOUNT},${ACCOUNT},AmazonEC2,USE1-BoxUsage:m5.large,${2 * scale},${0.192 * scale},USD,us-east-1,Hrs`,
      );
      if (h % 24 === 0 && options.s3 !== false)
        lines.push(
          `Usage,${iso(at)},${iso(at + 24 * HOUR)},${ACCOUNT},${ACCOUNT},AmazonS3,USE1-TimedStorage-ByteHrs,${100 * scale},${2.3 * scale},USD,us-east-1,GB-Mo`,
        );
    }
    return lines.join("\n") + "\n";
  };

  async function upload(text: string, fields: Record<string, string> = {}) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    form.set("file", new Blob([text]), "bill.csv");
    const created = await call(imports.POST, {
      path: "/api/v1/imports",
      method: "POST",
      credential: owner,
      body: form,
    });
    expect(created.status).toBe(202);
    return created.body.id as string;
  }

  /** Polls GET /api/v1/imports/{id} until it waits for confirmation, fails, or is estimated. */
  async function settled(id: string) {
    for (let i = 0; i < 240; i++) {
      const response = await call(importOne.GET, {
        path: `/api/v1/imports/${id}`,
        credential: analyst,
        params: { id },
      });
      const status = (response.status === 409 ? response.body.import : response.body) as {
        status: string;
        estimates: string;
      };
      if (
        status.status === "failed" ||
        status.status === "awaiting_confirmation" ||
        (status.status === "succeeded" && status.estimates === "done")
      )
        return response;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`import ${id} did not settle`);
  }

  /** What counts for the account now. */
  async function stored() {
    const { rows } = await db.owner.pool.query<{
      rows: number;
      cost: number;
      loc: number;
      daily: number;
    }>(
      `WITH a AS (SELECT id FROM cloud_accounts WHERE tenant_id = $1 AND provider_account_id = $2)
       SELECT (SELECT count(*)::int FROM usage_hourly WHERE cloud_account_id IN (SELECT id FROM a)) AS rows,
              (SELECT coalesce(sum(cost_amount), 0)::float8 FROM usage_hourly WHERE cloud_account_id IN (SELECT id FROM a)) AS cost,
              (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_hourly WHERE cloud_account_id IN (SELECT id FROM a)) AS loc,
              (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_daily WHERE cloud_account_id IN (SELECT id FROM a)) AS daily`,
      [tenantId, ACCOUNT],
    );
    return rows[0]!;
  }

  const drainQueue = () =>
    (globalThis as unknown as { canopyQueue: { drain(): Promise<void> } }).canopyQueue.drain();

  it("answers 409 with the preview, replaces on confirm, restores the previous version once", async () => {
    const week = await settled(await upload(cur("2026-06-01T00:00:00Z", 7)));
    expect(week.status).toBe(200);
    expect(week.body.status).toBe("succeeded");
    const before = await stored();
    expect(before.rows).toBe(7 * 25);

    // One day, EC2 only, tiny amounts: the question, with what is stored against what arrives.
    const partialId = await upload(cur("2026-06-03T00:00:00Z", 1, { scale: 0.0001, s3: false }));
    const asked = await settled(partialId);
    expect(asked.status).toBe(409);
    const error = asked.body.error as unknown as {
      code: string;
      message: string;
      preview: {
        needsConfirmation: boolean;
        accounts: {
          providerAccountId: string;
          start: string;
          end: string;
          stored: { rows: number; services: string[]; co2eLocationKg: number };
          arriving: { rows: number; services: string[] };
          reasons: string[];
        }[];
      };
    };
    expect(error.code).toBe("replacement_needs_confirmation");
    expect(error.message).toMatch(/replaces stored usage it does not re-supply/);
    expect(error.preview.needsConfirmation).toBe(true);
    expect(error.preview.accounts).toEqual([
      expect.objectContaining({
        providerAccountId: ACCOUNT,
        start: "2026-06-03T00:00:00.000Z",
        end: "2026-06-04T00:00:00.000Z",
        stored: expect.objectContaining({ rows: 25, services: ["AmazonEC2", "AmazonS3"] }),
        arriving: expect.objectContaining({ rows: 24, services: ["AmazonEC2"] }),
        reasons: expect.arrayContaining([expect.stringMatching(/AmazonS3/)]),
      }),
    ]);
    expect(error.preview.accounts[0]!.stored.co2eLocationKg).toBeGreaterThan(0);
    const resource = asked.body.import as {
      id: string;
      status: string;
      summary: { preview: unknown; sourceKind: string };
      sourceKindLabels: Record<string, string>;
    };
    expect(resource).toMatchObject({ id: partialId, status: "awaiting_confirmation" });
    expect(resource.summary.preview).toEqual(error.preview);
    expect(resource.sourceKindLabels).toEqual({ cur: "AWS legacy CUR file" });
    expect(JSON.stringify(asked.body)).not.toContain("fileKey");
    expect(await stored()).toEqual(before);
    // The list shows it too.
    const listed = await call(imports.GET, {
      path: "/api/v1/imports?limit=1",
      credential: analyst,
    });
    expect((listed.body.items as { status: string }[])[0]!.status).toBe("awaiting_confirmation");

    // Confirm: analysts may not; the owner does, and it runs to the end.
    const confirmAs = (credential: TestUser) =>
      call(importConfirm.POST, {
        path: `/api/v1/imports/${partialId}/confirm`,
        method: "POST",
        credential,
        params: { id: partialId },
      });
    expect((await confirmAs(analyst)).status).toBe(403);
    const confirmed = await confirmAs(owner);
    expect(confirmed.status).toBe(202);
    expect(confirmed.body).toMatchObject({ id: partialId });
    expect(["queued", "running", "succeeded"]).toContain(confirmed.body.status);
    const done = await settled(partialId);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("succeeded");
    const summary = done.body.summary as {
      replaced: { stored: { rows: number } }[];
      replaceConfirmed: boolean;
    };
    expect(summary.replaced[0]!.stored.rows).toBe(25);
    expect(summary.replaceConfirmed).toBe(true);
    const replaced = await stored();
    expect(replaced.rows).toBe(6 * 25 + 24);
    expect(replaced.loc).toBeLessThan(before.loc);
    const again = await confirmAs(owner);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: "not_awaiting_confirmation",
      message: expect.stringMatching(/is succeeded, not awaiting confirmation/),
    });

    // Restore: the week's day counts again, re-estimated; a second restore is refused.
    const restoreAs = (credential: TestUser) =>
      call(importRestore.POST, {
        path: `/api/v1/imports/${partialId}/restore`,
        method: "POST",
        credential,
        params: { id: partialId },
      });
    expect((await restoreAs(analyst)).status).toBe(403);
    const restored = await restoreAs(owner);
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({ rowsWithdrawn: 24, rowsRestored: 25 });
    await drainQueue();
    const back = await stored();
    expect(back.rows).toBe(before.rows);
    expect(back.cost).toBeCloseTo(before.cost, 9);
    expect(back.loc).toBeCloseTo(before.loc, 9);
    expect(back.daily).toBeCloseTo(before.daily, 9);
    const view = await call(importOne.GET, {
      path: `/api/v1/imports/${partialId}`,
      credential: analyst,
      params: { id: partialId },
    });
    expect((view.body.summary as { restoredAt?: string }).restoredAt).toBeTruthy();
    const twice = await restoreAs(owner);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({
      code: "restore_refused",
      message: expect.stringMatching(/already restored/),
    });
    const audit = await db.owner.pool.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE tenant_id = $1 AND target_id = $2 ORDER BY created_at",
      [tenantId, partialId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      "import.create",
      "import.confirm_replacement",
      "import.restore",
    ]);
  }, 120_000);

  it("replaces without asking when uploaded with replace=true", async () => {
    const before = await stored();
    const id = await upload(cur("2026-06-05T00:00:00Z", 1, { scale: 0.0001, s3: false }), {
      replace: "true",
    });
    const done = await settled(id);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("succeeded");
    const summary = done.body.summary as {
      replaced: { start: string; stored: { rows: number } }[];
      replaceConfirmed: boolean;
    };
    expect(summary.replaceConfirmed).toBe(true);
    expect(summary.replaced).toEqual([
      expect.objectContaining({
        start: "2026-06-05T00:00:00.000Z",
        stored: expect.objectContaining({ rows: 25 }),
      }),
    ]);
    expect((await stored()).rows).toBe(before.rows - 1);
    const bad = new FormData();
    bad.set("replace", "yes");
    bad.set("file", new Blob(["x"]), "x.csv");
    const refused = await call(imports.POST, {
      path: "/api/v1/imports",
      method: "POST",
      credential: owner,
      body: bad,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.fields?.replace).toBeTruthy();
  }, 120_000);
});

/** A route's raw response (a file body is not JSON). */
async function callRaw(
  handler: (request: Request, segment: never) => Promise<Response>,
  pathname: string,
  credential: { cookie?: string; apiKey?: string } = {},
  params: Record<string, string> = {},
) {
  const response = await handler(
    new Request(`http://localhost:3999${pathname}`, { headers: headersFor(credential) }),
    { params: Promise.resolve(params) } as never,
  );
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

describe("reports: /api/v1/reports", () => {
  let key: string;
  let january: string;
  let february: string;
  let foreign: string;

  beforeAll(async () => {
    // Finance automates exports with a viewer key: the lowest role that sees reports.
    const created = await call(apiKeys.POST, {
      path: "/api/v1/api-keys",
      method: "POST",
      credential: owner,
      json: { name: "Finance exports", role: "viewer" },
    });
    key = created.body.key as string;
    january = await ownerReport(db, tenantId, owner);
    await finalizeReport(db.app, tenantId, january, { userId: owner.userId, role: "owner" });
    const ownerB = await signUp("owner@reports-b.test");
    const tenantB = await createOrganization(ownerB, "Org B");
    foreign = await ownerReport(db, tenantB, ownerB);
  });

  it("generates a draft with POST, as the page's action does (viewer key)", async () => {
    const generated = await call(reports.POST, {
      path: "/api/v1/reports",
      method: "POST",
      credential: { apiKey: key },
      json: { period: "2025-02", cloudAccountIds: [accountIds[0]] },
    });
    expect(generated.status).toBe(201);
    expect(generated.body).toMatchObject({
      version: 1,
      status: "draft",
      created: true,
      boundaryAccountIds: [accountIds[0]],
      period: { key: "2025-02", kind: "month", start: "2025-02-01", end: "2025-03-01" },
    });
    february = generated.body.id as string;
    expect(generated.body.scope3Category1LocationKg as number).toBeGreaterThan(0);
    const again = await call(reports.POST, {
      path: "/api/v1/reports",
      method: "POST",
      credential: { apiKey: key },
      json: { period: " 2025-02 ", cloudAccountIds: [accountIds[0]] },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: february, created: false });

    const invalid = await call(reports.POST, {
      path: "/api/v1/reports",
      method: "POST",
      credential: { apiKey: key },
      json: { period: "2025-13", cloudAccountIds: ["x"] },
    });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.body.error!.fields!).sort()).toEqual([
      "cloudAccountIds.0",
      "period",
    ]);
    const outOfRange = await call(reports.POST, {
      path: "/api/v1/reports",
      method: "POST",
      credential: { apiKey: key },
      json: { period: "1900" },
    });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.error?.fields?.period).toBeTruthy();
  });

  it("lists the organization's versions with an API key: figures, hash, pagination, period filter", async () => {
    const list = await call(reports.GET, {
      path: "/api/v1/reports",
      credential: { apiKey: key },
    });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ page: 1, limit: 50, totalItems: 2 });
    const items = list.body.items as {
      id: string;
      status: string;
      period: { key: string };
      contentSha256: string;
      generatedAt: string;
      finalizedAt: string | null;
      scope3Category1LocationKg: number;
      scope3Category1MarketKg: number;
      spend: { currency: string; amount: number }[];
    }[];
    // Newest period first.
    expect(items.map((r) => [r.id, r.period.key, r.status])).toEqual([
      [february, "2025-02", "draft"],
      [january, "2025-01", "final"],
    ]);
    const { rows } = await db.owner.pool.query<{ sha: string; loc: number }>(
      `SELECT content_sha256 AS sha,
              (model #>> '{content,customerView,scope3Category1LocationKg}')::float8 AS loc
       FROM reports WHERE id = $1`,
      [january],
    );
    const jan = items[1]!;
    expect(jan.contentSha256).toBe(rows[0]!.sha);
    expect(jan.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(jan.scope3Category1LocationKg).toBeCloseTo(rows[0]!.loc, 6);
    expect(jan.scope3Category1MarketKg).toBeGreaterThan(0);
    expect(jan.spend.length).toBeGreaterThan(0);
    expect(Date.parse(jan.finalizedAt!)).toBeGreaterThanOrEqual(Date.parse(jan.generatedAt));
    expect(JSON.stringify(list.body)).not.toContain(foreign);

    const page2 = await call(reports.GET, {
      path: "/api/v1/reports?limit=1&page=2",
      credential: viewer,
    });
    expect(page2.body.totalItems).toBe(2);
    expect((page2.body.items as { id: string }[]).map((r) => r.id)).toEqual([january]);
    const filtered = await call(reports.GET, {
      path: "/api/v1/reports?period=2025-01",
      credential: { apiKey: key },
    });
    expect((filtered.body.items as { id: string }[]).map((r) => r.id)).toEqual([january]);
    const quarter = await call(reports.GET, {
      path: "/api/v1/reports?period=2025-Q1",
      credential: { apiKey: key },
    });
    expect(quarter.body.items).toEqual([]);
    const bad = await call(reports.GET, {
      path: "/api/v1/reports?period=2025-1",
      credential: { apiKey: key },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.fields?.period?.[0]).toMatch(/YYYY-MM/);
    expect((await call(reports.GET, { path: "/api/v1/reports" })).status).toBe(401);
  });

  it("downloads PDF, XLSX and CSV with an API key, with their headers", async () => {
    const pdf = await callRaw(
      reportDownload.GET,
      `/api/v1/reports/${january}/download?format=pdf`,
      { apiKey: key },
      { id: january },
    );
    expect(pdf.response.status).toBe(200);
    expect(pdf.response.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.response.headers.get("content-disposition")).toBe(
      'attachment; filename="canopy-report-org-a-2025-01-v1-final.pdf"',
    );
    expect(pdf.response.headers.get("content-length")).toBe(String(pdf.body.length));
    expect(pdf.response.headers.get("x-report-status")).toBe("final");
    expect(pdf.body.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    // A final version's stored file, byte for byte.
    const stored = await db.owner.pool.query<{ content: Buffer }>(
      "SELECT content FROM report_files WHERE report_id = $1 AND format = 'pdf'",
      [january],
    );
    expect(stored.rows[0]!.content.equals(pdf.body)).toBe(true);

    const xlsx = await callRaw(
      reportDownload.GET,
      `/api/v1/reports/${january}/download?format=xlsx`,
      { apiKey: key },
      { id: january },
    );
    expect(xlsx.response.status).toBe(200);
    expect(xlsx.response.headers.get("content-type")).toBe(
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    expect(xlsx.response.headers.get("content-disposition")).toMatch(
      /^attachment; filename=".+-v1-final\.xlsx"$/,
    );
    expect(xlsx.body.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));

    // A draft is rendered on request; the session works too.
    const csv = await callRaw(
      reportDownload.GET,
      `/api/v1/reports/${february}/download?format=csv`,
      viewer,
      { id: february },
    );
    expect(csv.response.status).toBe(200);
    expect(csv.response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.response.headers.get("content-disposition")).toMatch(
      /^attachment; filename=".+-2025-02-v1-draft\.csv"$/,
    );
    expect(csv.response.headers.get("x-report-status")).toBe("draft");
    expect(csv.body.toString("utf8").split("\r\n")[0]).toMatch(
      /^report_id,report_version,report_status,organization,/,
    );
  });

  it("answers the API's JSON errors: 401, 400 format, 404 for another organization's id", async () => {
    const errorOf = (body: Buffer) =>
      (JSON.parse(body.toString("utf8")) as { error: { code: string; message: string } }).error;
    const anonymous = await callRaw(
      reportDownload.GET,
      `/api/v1/reports/${january}/download?format=pdf`,
      {},
      { id: january },
    );
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.response.headers.get("location")).toBeNull();
    expect(errorOf(anonymous.body).code).toBe("unauthorized");
    const revoked = await callRaw(
      reportDownload.GET,
      `/api/v1/reports/${january}/download`,
      { apiKey: `cnp_abcdef12_${"A".repeat(43)}` },
      { id: january },
    );
    expect(revoked.response.status).toBe(401);

    const bad = await callRaw(
      reportDownload.GET,
      `/api/v1/reports/${january}/download?format=docx`,
      { apiKey: key },
      { id: january },
    );
    expect(bad.response.status).toBe(400);
    expect(bad.response.headers.get("content-type")).toMatch(/application\/json/);
    expect(errorOf(bad.body)).toMatchObject({ code: "validation_error" });
    expect(
      (JSON.parse(bad.body.toString("utf8")) as { error: { fields: object } }).error.fields,
    ).toHaveProperty("format");

    for (const id of [foreign, "00000000-0000-4000-8000-000000000000"]) {
      const missing = await callRaw(
        reportDownload.GET,
        `/api/v1/reports/${id}/download?format=pdf`,
        { apiKey: key },
        { id },
      );
      expect(missing.response.status).toBe(404);
      expect(errorOf(missing.body)).toEqual({ code: "not_found", message: "Report not found." });
    }
    const malformed = await callRaw(
      reportDownload.GET,
      "/api/v1/reports/x/download?format=pdf",
      { apiKey: key },
      { id: "x" },
    );
    expect(malformed.response.status).toBe(400);
  });

  it("finalizes the draft the caller reviewed, by its content hash, for finance roles only", async () => {
    const finalize = (credential: { apiKey?: string; cookie?: string }, sha: string) =>
      call(reportFinalize.POST, {
        path: `/api/v1/reports/${february}/finalize`,
        method: "POST",
        credential,
        params: { id: february },
        json: { expectedContentSha256: sha },
      });
    const listed = await call(reports.GET, {
      path: "/api/v1/reports?period=2025-02",
      credential: { apiKey: key },
    });
    const draft = (listed.body.items as { id: string; contentSha256: string }[]).find(
      (r) => r.id === february,
    )!;
    const viewerTry = await finalize({ apiKey: key }, draft.contentSha256);
    expect(viewerTry.status).toBe(403);
    const stale = await finalize(owner, "f".repeat(64));
    expect(stale.status).toBe(409);
    expect(stale.body.error?.code).toBe("report_changed");
    const malformed = await finalize(owner, "abc");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.fields?.expectedContentSha256).toBeDefined();
    const done = await finalize(owner, draft.contentSha256);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      id: february,
      status: "final",
      contentSha256: draft.contentSha256,
    });
    const again = await finalize(owner, draft.contentSha256);
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe("report_locked");
  });
});

describe("GET /api/v1/openapi.json", () => {
  it("lists exactly the operations the route files export", async () => {
    const { readdirSync, statSync } = await import("node:fs");
    const root = path.resolve(import.meta.dirname, "../app/api/v1");
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) =>
        statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)],
      );
    const exported: string[] = [];
    for (const file of walk(root).filter(
      (f) => f.endsWith("route.ts") && !f.includes("[...path]"),
    )) {
      const module = (await import(file)) as Record<string, unknown>;
      const route =
        "/api/v1" +
        path
          .dirname(file)
          .slice(root.length)
          .replace(/\[(\w+)\]/g, "{$1}");
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"])
        if (module[method]) exported.push(`${method.toLowerCase()} ${route}`);
    }
    const { operations } = await import("@/lib/api/spec");
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(exported.sort());
  });

  it("states for each operation the permission its route handler enforces", async () => {
    const { operations } = await import("@/lib/api/spec");
    const root = path.resolve(import.meta.dirname, "../app/api/v1");
    const checked = [];
    for (const op of operations.filter((o) => o.permission !== "public")) {
      const file = path.join(
        root,
        op.path.slice("/api/v1".length).replace(/\{(\w+)\}/g, "[$1]"),
        "route.ts",
      );
      const module = (await import(file)) as Record<string, { permission?: string }>;
      checked.push(`${op.method} ${op.path}`);
      expect(module[op.method.toUpperCase()]?.permission, `${op.method} ${op.path}`).toBe(
        op.permission,
      );
    }
    expect(checked.length).toBeGreaterThan(40);
  });

  it("documents every operation with its schemas", async () => {
    const response = await openapi.GET();
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters: { name: string }[] }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/emissions",
        "/api/v1/imports/{id}",
        "/api/v1/api-keys/{id}",
        "/api/v1/reports",
        "/api/v1/reports/{id}/download",
      ]),
    );
    expect(doc.paths["/api/v1/emissions"]!.get!.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        "from",
        "to",
        "granularity",
        "groupBy",
        "provider",
        "account",
        "service",
        "region",
        "tag",
      ]),
    );
    const download = (
      doc.paths["/api/v1/reports/{id}/download"] as unknown as Record<
        string,
        {
          parameters: { name: string; in: string }[];
          responses: Record<string, { content: Record<string, { schema: unknown }> }>;
        }
      >
    ).get!;
    expect(download.parameters.map((p) => `${p.in} ${p.name}`).sort()).toEqual([
      "path id",
      "query format",
    ]);
    expect(download.responses["200"]!.content).toEqual({
      "application/pdf": { schema: { type: "string", format: "binary" } },
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        schema: { type: "string", format: "binary" },
      },
      "text/csv": { schema: { type: "string", format: "binary" } },
    });
    expect(download.responses["404"]!.content["application/json"]).toBeDefined();
    expect(Object.keys(doc.paths["/api/v1/reports"]!).sort()).toEqual(["get", "post"]);
    // An import awaiting confirmation: the 409 with the preview, documented on the import itself.
    const importGet = (
      doc.paths["/api/v1/imports/{id}"] as unknown as Record<
        string,
        { description: string; responses: Record<string, { content: Record<string, unknown> }> }
      >
    ).get!;
    expect(importGet.description).toMatch(/409.*replacement_needs_confirmation.*\/confirm/s);
    // Named schemas live under components/schemas (OpenAPI 3.1); resolve the reference.
    const components = (doc as unknown as { components: { schemas: Record<string, unknown> } })
      .components.schemas;
    const resolve = (node: unknown) => {
      const ref = (node as { $ref?: string }).$ref;
      return ref ? components[ref.replace("#/components/schemas/", "")] : node;
    };
    const conflict = importGet.responses["409"]!.content["application/json"] as { schema: unknown };
    expect(JSON.stringify(resolve(conflict.schema))).toContain("preview");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/imports/{id}/confirm", "/api/v1/imports/{id}/restore"]),
    );
    const uploadBody = (
      doc.paths["/api/v1/imports"] as unknown as Record<
        string,
        { requestBody: { content: Record<string, { schema: unknown }> } }
      >
    ).post!.requestBody;
    const upload = JSON.stringify(Object.values(uploadBody.content).map((c) => resolve(c.schema)));
    expect(upload).toContain('"replace"');
    expect(upload).toContain('"cloudAccountId"');
    expect(doc.paths["/api/v1/reports"]!.get!.parameters.map((p) => p.name).sort()).toEqual([
      "limit",
      "page",
      "period",
    ]);
  });
});
