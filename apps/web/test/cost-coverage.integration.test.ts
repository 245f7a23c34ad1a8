import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshRollups, withTenantClient } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as emissions from "@/app/api/v1/emissions/route";
import * as breakdown from "@/app/api/v1/emissions/breakdown/route";
import * as summary from "@/app/api/v1/emissions/summary/route";
import * as openapi from "@/app/api/v1/openapi.json/route";
import { costCoverageByService } from "@/lib/server/emissions";

/**
 * Cost coverage and the payer grouping on a real database: two AWS accounts under one payer, one GCP
 * project without a billing account recorded; usage with cost, tax, credits and a not-modelled fee
 * (kind "other", estimated at zero energy) in March 2025.
 */
type Line = { account: number; service: string; kind: string; cost: number; kwh: number };
const lines: Line[] = [
  { account: 0, service: "AmazonEC2", kind: "compute", cost: 100, kwh: 10 },
  { account: 0, service: "AmazonEC2", kind: "other", cost: 19, kwh: 0 }, // tax
  { account: 0, service: "AmazonEC2", kind: "other", cost: -10, kwh: 0 }, // credit
  { account: 1, service: "AWSSupport", kind: "other", cost: 5, kwh: 0 }, // fee
  { account: 1, service: "AmazonS3", kind: "storage", cost: 20, kwh: 2 },
  { account: 2, service: "Compute Engine", kind: "compute", cost: 50, kwh: 5 },
  { account: 2, service: "Compute Engine", kind: "other", cost: -7, kwh: 0 }, // GCP credit
];
const accountDefs = [
  { provider: "aws", id: "111111111111", parent: "999999999999" },
  { provider: "aws", id: "222222222222", parent: "999999999999" },
  { provider: "gcp", id: "ml-project", parent: null },
];

let db: TestDatabase;
let owner: TestUser;
let tenantId: string;
const accountIds: string[] = [];
const range = "from=2025-03-01&to=2025-03-31";

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@coverage.test");
  tenantId = await createOrganization(owner, "Coverage Org");
  for (const a of accountDefs) {
    const id = randomUUID();
    await db.owner.pool.query(
      `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id, parent_account_id, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'active')`,
      [id, tenantId, a.provider, `${a.provider} ${a.id}`, a.id, a.parent],
    );
    accountIds.push(id);
  }
  await db.owner.pool.query("SELECT ensure_emissions_partitions('2025-01-01', 12)");
  await withTenantClient(db.app, tenantId, async (client) => {
    for (const [i, line] of lines.entries()) {
      await client.query(
        `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, pue,
           grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l,
           cost_amount, currency, methodology_version)
         VALUES ($1, $2, '2025-03-10T00:00:00Z', $3, $4::cloud_provider, $5, 'r1', $6, 1.2, 400, $7::float8, $7::float8 * 1.2,
           $7::float8 * 0.48, $7::float8 * 0.2, $7::float8 * 0.05, 0, $8, 'USD', 'canopy-1.0.0+pack.2025.1')`,
        [
          tenantId,
          accountIds[line.account],
          `d${i}`,
          accountDefs[line.account]!.provider,
          line.service,
          line.kind,
          line.kwh,
          line.cost,
        ],
      );
    }
    for (const id of accountIds)
      await refreshRollups(
        client,
        tenantId,
        id,
        new Date("2025-03-01T00:00:00Z"),
        new Date("2025-04-01T00:00:00Z"),
      );
  });
});

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

const invoice = lines.reduce((n, l) => n + l.cost, 0);
const covered = lines.filter((l) => l.kind !== "other").reduce((n, l) => n + l.cost, 0);

describe("cost covered by the estimate vs cost not modelled", () => {
  it("summary: covered + not modelled = total cost; intensity per 1,000 of covered cost", async () => {
    const response = await call(summary.GET, {
      path: `/api/v1/emissions/summary?${range}`,
      credential: owner,
    });
    expect(response.status).toBe(200);
    const totals = response.body.totals as Record<string, number>;
    expect(totals.costAmount).toBeCloseTo(invoice, 6);
    expect(totals.costCoveredAmount).toBeCloseTo(covered, 6);
    expect(totals.costNotModelledAmount).toBeCloseTo(19 - 10 + 5 - 7, 6);
    expect(totals.costCoveredAmount! + totals.costNotModelledAmount!).toBeCloseTo(
      totals.costAmount!,
      6,
    );
    expect(response.body.kgCo2ePer1000Currency as number).toBeCloseTo(
      (totals.co2eTotalKg! / covered) * 1000,
      6,
    );
  });

  it("by service: the dashboard panel and the API breakdown agree, against the database", async () => {
    const { rows } = await db.owner.pool.query<{
      service: string;
      covered: number;
      notmod: number;
    }>(
      `SELECT service, coalesce(sum(cost_amount) FILTER (WHERE kind <> 'other'), 0)::float8 AS covered,
              coalesce(sum(cost_amount) FILTER (WHERE kind = 'other'), 0)::float8 AS notmod
       FROM emissions_hourly WHERE tenant_id = $1 GROUP BY service ORDER BY service`,
      [tenantId],
    );
    const panel = await costCoverageByService(
      { sql: (fn: never) => withTenantClient(db.app, tenantId, fn) } as never,
      {
        from: "2025-03-01",
        to: "2025-03-31",
        provider: [],
        account: [],
        service: [],
        region: [],
        tag: [],
      },
    );
    const api = await call(breakdown.GET, {
      path: `/api/v1/emissions/breakdown?groupBy=service&${range}`,
      credential: owner,
    });
    expect(api.status).toBe(200);
    const items = api.body.items as {
      key: string;
      costAmount: number;
      costCoveredAmount: number;
      costNotModelledAmount: number;
    }[];
    expect(panel.items.map((r) => r.service).sort()).toEqual(rows.map((r) => r.service));
    for (const row of rows) {
      const p = panel.items.find((r) => r.service === row.service)!;
      const a = items.find((r) => r.key === row.service)!;
      expect(p.costCoveredAmount).toBeCloseTo(row.covered, 6);
      expect(p.costNotModelledAmount).toBeCloseTo(row.notmod, 6);
      expect(p.costAmount).toBeCloseTo(row.covered + row.notmod, 6);
      expect(a.costCoveredAmount).toBeCloseTo(row.covered, 6);
      expect(a.costNotModelledAmount).toBeCloseTo(row.notmod, 6);
    }
    expect(panel.items.find((r) => r.service === "AWSSupport")).toMatchObject({
      costCoveredAmount: 0,
      costNotModelledAmount: 5,
    });
    expect(panel.totals.costAmount).toBeCloseTo(invoice, 6);
    // Largest total cost first.
    expect(panel.items[0]!.service).toBe("AmazonEC2");
  });
});

describe("groupBy=payer", () => {
  it("breakdown: accounts under one payer together, an account without one under its own id", async () => {
    const response = await call(breakdown.GET, {
      path: `/api/v1/emissions/breakdown?groupBy=payer&${range}`,
      credential: owner,
    });
    expect(response.status).toBe(200);
    const items = response.body.items as {
      key: string;
      label: string;
      provider: string;
      costAmount: number;
      costCoveredAmount: number;
      co2eTotalKg: number;
    }[];
    expect(items.map((i) => i.key).sort()).toEqual(["aws:999999999999", "gcp:ml-project"]);
    const payer = items.find((i) => i.key === "aws:999999999999")!;
    expect(payer).toMatchObject({ label: "AWS payer account 999999999999", provider: "aws" });
    expect(payer.costAmount).toBeCloseTo(100 + 19 - 10 + 5 + 20, 6);
    expect(payer.costCoveredAmount).toBeCloseTo(120, 6);
    const { rows } = await db.owner.pool.query<{ co2e: number }>(
      `SELECT sum(co2e_location_kg + co2e_embodied_kg)::float8 AS co2e FROM emissions_hourly
       WHERE tenant_id = $1 AND cloud_account_id = ANY($2::uuid[])`,
      [tenantId, accountIds.slice(0, 2)],
    );
    expect(payer.co2eTotalKg).toBeCloseTo(rows[0]!.co2e, 6);
    const gcp = items.find((i) => i.key === "gcp:ml-project")!;
    expect(gcp.label).toMatch(/no payer recorded/);
    expect(gcp.costAmount).toBeCloseTo(43, 6);
  });

  it("series: the same groups per period, at every granularity", async () => {
    for (const granularity of ["month", "day"]) {
      const response = await call(emissions.GET, {
        path: `/api/v1/emissions?${range}&granularity=${granularity}&groupBy=payer`,
        credential: owner,
      });
      expect(response.status).toBe(200);
      const points = response.body.points as { group: string; costAmount: number }[];
      expect([...new Set(points.map((p) => p.group))].sort()).toEqual([
        "aws:999999999999",
        "gcp:ml-project",
      ]);
      expect(points.reduce((n, p) => n + p.costAmount, 0)).toBeCloseTo(invoice, 6);
    }
  });

  it("is declared in the OpenAPI document for the series and the breakdown", async () => {
    const doc = (await (await openapi.GET()).json()) as {
      paths: Record<
        string,
        { get: { parameters: { name: string; schema: { enum?: string[] } }[] } }
      >;
    };
    for (const path of ["/api/v1/emissions", "/api/v1/emissions/breakdown"]) {
      const groupBy = doc.paths[path]!.get.parameters.find((p) => p.name === "groupBy")!;
      expect(groupBy.schema.enum).toContain("payer");
    }
  });
});
