import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call, type Handler } from "./call";
import * as summary from "@/app/api/v1/emissions/summary/route";
import * as breakdown from "@/app/api/v1/emissions/breakdown/route";
import * as accounts from "@/app/api/v1/accounts/route";

/**
 * Cached emission reads (lib/server/read-cache.ts): a repeated read is served from the cache, and
 * every write that changes what it read (through the app or not) is seen by the very next read; no
 * organization is ever served another's cached answer.
 */
let db: TestDatabase;
let ownerA: TestUser;
let ownerB: TestUser;
let tenantA: string;
let tenantB: string;
const range = "from=2025-01-01&to=2025-01-31";

/** A GET as `user`, with the cache outcome the response reports. */
async function get(handler: Handler, user: TestUser, path: string) {
  const response = await call(handler, { path, credential: user });
  return {
    status: response.status,
    cache: response.headers.get("x-canopy-cache"),
    body: response.body,
  };
}
const totalOf = (body: Record<string, unknown>) =>
  (body.totals as { co2eTotalKg: number }).co2eTotalKg;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  ownerA = await signUp("owner@cache-a.test");
  ownerB = await signUp("owner@cache-b.test");
  tenantA = await createOrganization(ownerA, "Cache A");
  tenantB = await createOrganization(ownerB, "Cache B");
  for (const [tenantId, combos] of [
    [tenantA, 4],
    [tenantB, 2],
  ] as const)
    await seedEmissions(db.owner.pool, {
      tenantId,
      accounts: 2,
      services: 2,
      combos,
      start: new Date("2025-01-01T00:00:00Z"),
      hours: 24 * 31,
    });
});
afterAll(async () => tearDownWebTestDatabase(db));

describe("cached emission reads", () => {
  it("serves a repeated read from the cache, with the same body", async () => {
    const first = await get(summary.GET, ownerA, `/api/v1/emissions/summary?${range}`);
    expect(first).toMatchObject({ status: 200, cache: "miss" });
    // The same query in another parameter order is the same read.
    const again = await get(
      summary.GET,
      ownerA,
      `/api/v1/emissions/summary?to=2025-01-31&from=2025-01-01`,
    );
    expect(again).toMatchObject({ status: 200, cache: "hit" });
    expect(again.body).toEqual(first.body);
  });

  it("never serves one organization another's answer", async () => {
    const a = await get(summary.GET, ownerA, `/api/v1/emissions/summary?${range}`);
    const b = await get(summary.GET, ownerB, `/api/v1/emissions/summary?${range}`);
    expect(b.cache).toBe("miss");
    expect(totalOf(b.body)).not.toBe(totalOf(a.body));
    const { rows } = await db.owner.pool.query<{ kg: number }>(
      `SELECT sum(co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg)::float8 AS kg
       FROM emissions_daily WHERE tenant_id = $1 AND day BETWEEN '2025-01-01' AND '2025-01-31'`,
      [tenantB],
    );
    expect(totalOf(b.body)).toBeCloseTo(rows[0]!.kg, 6);
  });

  it("reads afresh after the organization's emissions change, and only that organization's", async () => {
    const before = await get(summary.GET, ownerA, `/api/v1/emissions/summary?${range}`);
    const otherBefore = await get(summary.GET, ownerB, `/api/v1/emissions/summary?${range}`);
    expect(otherBefore.cache).toBe("hit");
    // A restated month as the jobs write it, in the organization's own transaction (a whole-month
    // range reads the monthly rollup).
    const client = await db.app.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
      await client.query(
        "UPDATE emissions_monthly SET co2e_location_kg = co2e_location_kg + 1000 WHERE month = '2025-01-01'",
      );
      // Not committed yet: the cached answer is still the current one.
      expect((await get(summary.GET, ownerA, `/api/v1/emissions/summary?${range}`)).cache).toBe(
        "hit",
      );
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    const after = await get(summary.GET, ownerA, `/api/v1/emissions/summary?${range}`);
    expect(after.cache).toBe("miss");
    const groups = (
      await db.owner.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM emissions_monthly WHERE tenant_id = $1 AND month = '2025-01-01'",
        [tenantA],
      )
    ).rows[0]!.n;
    expect(totalOf(after.body) - totalOf(before.body)).toBeCloseTo(1000 * groups, 6);
    expect((await get(summary.GET, ownerB, `/api/v1/emissions/summary?${range}`)).cache).toBe(
      "hit",
    );
  });

  it("reads afresh after an account is renamed (labels are part of the answer)", async () => {
    const path = `/api/v1/emissions/breakdown?groupBy=account&${range}`;
    await get(breakdown.GET, ownerA, path);
    expect((await get(breakdown.GET, ownerA, path)).cache).toBe("hit");
    const list = await get(accounts.GET, ownerA, "/api/v1/accounts");
    expect(list.cache).toBeNull();
    await db.owner.pool.query(
      "UPDATE cloud_accounts SET display_name = 'Renamed for the cache test' WHERE tenant_id = $1",
      [tenantA],
    );
    const after = await get(breakdown.GET, ownerA, path);
    expect(after.cache).toBe("miss");
    expect(JSON.stringify(after.body)).toContain("Renamed for the cache test");
  });

  it("computes once for requests that miss together", async () => {
    await db.owner.pool.query(
      "UPDATE cloud_accounts SET display_name = display_name || '.' WHERE tenant_id = $1",
      [tenantA],
    );
    const path = `/api/v1/emissions/breakdown?groupBy=service&${range}`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => get(breakdown.GET, ownerA, path)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(answers.filter((a) => a.cache === "miss")).toHaveLength(1);
    expect(
      answers.every((a) => a.cache === "miss" || a.cache === "shared" || a.cache === "hit"),
    ).toBe(true);
    for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);
  });

  it("does not keep errors", async () => {
    const bad = `/api/v1/emissions/summary?from=2025-02-01&to=2025-01-01`;
    expect((await get(summary.GET, ownerA, bad)).status).toBe(400);
    expect((await get(summary.GET, ownerA, bad)).cache).toBeNull();
  });
});
