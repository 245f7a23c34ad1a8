import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as utilization from "@/app/api/v1/utilization/route";

/**
 * GET /api/v1/utilization: the share of compute facility kWh whose power used a measured CPU
 * utilization (kwh_measured_utilization), under the dashboard's filters, and each account's latest
 * utilization read. The stored rows are set here (AWS measured, the others not); sync-utilization's
 * own test checks the writer.
 */

let db: TestDatabase;
let owner: TestUser;
let tenantId: string;
let accounts: string[];
const range = "from=2025-01-01&to=2025-01-31";

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@utilization.test");
  tenantId = await createOrganization(owner, "Utilization");
  accounts = await seedEmissions(db.owner.pool, {
    tenantId,
    accounts: 3,
    services: 2,
    combos: 6,
    start: new Date("2025-01-01T00:00:00Z"),
    hours: 24 * 31,
  });
  // The AWS emissions as the estimate writes them when the power used measured CPU utilization.
  for (const table of ["emissions_hourly", "emissions_daily", "emissions_monthly"])
    await db.owner.pool.query(
      `UPDATE ${table} SET kwh_measured_utilization = kwh_facility WHERE tenant_id = $1 AND provider = 'aws'`,
      [tenantId],
    );
  await db.owner.pool.query(
    `INSERT INTO utilization_runs (tenant_id, cloud_account_id, status, window_start, window_end, source, resources,
       hours_stored, error, created_at)
     VALUES ($1, $2, 'succeeded', '2025-01-01', '2025-01-04', 'aws-cloudwatch', 4, 288, NULL, now() - interval '1 day'),
            ($1, $2, 'failed', '2025-01-04', '2025-01-07', 'aws-cloudwatch', 0, 0,
             'The role lacks the permission cloudwatch:GetMetricData. Estimates keep the default utilization until a read succeeds.', now())`,
    [tenantId, accounts[0]],
  );
}, 120_000);

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

const get = (query: string) =>
  call(utilization.GET, {
    path: `/api/v1/utilization?${query}`,
    credential: { cookie: owner.cookie },
  });

async function kwh(where: string) {
  const { rows } = await db.owner.pool.query<{ kwh: number }>(
    `SELECT coalesce(sum(kwh_facility), 0)::float8 AS kwh FROM emissions_hourly
     WHERE tenant_id = $1 AND kind = 'compute' AND hour >= '2025-01-01' AND hour < '2025-02-01' AND ${where}`,
    [tenantId],
  );
  return rows[0]!.kwh;
}

describe("GET /api/v1/utilization", () => {
  it("gives the share of compute kWh on measured utilization, the same sums as the stored rows", async () => {
    const response = await get(range);
    expect(response.status).toBe(200);
    const body = response.body as {
      computeKwhFacility: number;
      measuredKwhFacility: number;
      measuredShare: number;
    };
    const all = await kwh("true");
    const aws = await kwh("provider = 'aws'");
    expect(aws).toBeGreaterThan(0);
    expect(aws).toBeLessThan(all);
    expect(body.computeKwhFacility).toBeCloseTo(all, 6);
    expect(body.measuredKwhFacility).toBeCloseTo(aws, 6);
    expect(body.measuredShare).toBeCloseTo(aws / all, 9);
    // Under a provider filter: AWS is all measured, GCP not at all.
    expect((await get(`${range}&provider=aws`)).body).toMatchObject({ measuredShare: 1 });
    expect((await get(`${range}&provider=gcp`)).body).toMatchObject({ measuredKwhFacility: 0 });
  });

  it("lists each account's latest read, a failure with its reason", async () => {
    const body = (await get(range)).body as {
      runs: { cloudAccountId: string; status: string; error: string | null }[];
    };
    expect(body.runs).toEqual([
      expect.objectContaining({
        cloudAccountId: accounts[0],
        status: "failed",
        error: expect.stringContaining("default utilization"),
      }),
    ]);
    const other = (await get(`${range}&account=${accounts[1]}`)).body as { runs: unknown[] };
    expect(other.runs).toEqual([]);
  });
});
