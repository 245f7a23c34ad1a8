import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@canopy/db";
import { createScratchDatabase, type ScratchDatabase } from "@canopy/db/scratch";
import type { TestDatabase } from "@canopy/db/testing";
import { seedEmissions } from "../bench/seed-emissions";
import { freePort } from "../bench/web-server";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as summary from "@/app/api/v1/emissions/summary/route";
import * as accounts from "@/app/api/v1/accounts/route";

/**
 * DATABASE_READ_URL: the emissions API reads from the read replica, everything else from the primary.
 * The "replica" is a second PostgreSQL server (embedded, its own port) holding the same organization
 * with other emissions, so the answer shows which server it came from; replication itself is
 * PostgreSQL's and is not what this tests.
 */
let primary: TestDatabase;
let replica: ScratchDatabase;
let server: EmbeddedDatabase;
let dir: string;
let owner: TestUser;
let tenantId: string;
const range = "from=2025-01-01&to=2025-01-31";
const seed = { accounts: 1, services: 2, start: new Date("2025-01-01T00:00:00Z"), hours: 24 * 31 };

async function dailyTotalKg(db: { owner: { pool: ScratchDatabase["owner"]["pool"] } }) {
  const { rows } = await db.owner.pool.query<{ kg: number }>(
    `SELECT sum(co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg)::float8 AS kg
     FROM emissions_daily WHERE tenant_id = $1`,
    [tenantId],
  );
  return rows[0]!.kg;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "canopy-replica-"));
  // As root the server runs as the postgres system user, which must reach its data directory.
  chmodSync(dir, 0o755);
  server = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port: await freePort() });
  replica = await createScratchDatabase(server.url);
  vi.stubEnv("DATABASE_READ_URL", replica.urls.app);
  primary = await setUpWebTestDatabase();
  owner = await signUp("owner@read-replica.test");
  tenantId = await createOrganization(owner, "Read replica");
  await replica.owner.pool.query(
    "INSERT INTO tenants (id, name, slug) VALUES ($1, 'Read replica', 'r')",
    [tenantId],
  );
  await seedEmissions(primary.owner.pool, { tenantId, ...seed, combos: 2 });
  await seedEmissions(replica.owner.pool, { tenantId, ...seed, combos: 1 });
  await replica.owner.pool.query("UPDATE cloud_accounts SET display_name = 'On the replica'");
}, 120_000);

afterAll(async () => {
  await tearDownWebTestDatabase(primary);
  await replica?.drop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("DATABASE_READ_URL", () => {
  it("answers the emissions API from the read replica", async () => {
    const [onPrimary, onReplica] = [await dailyTotalKg(primary), await dailyTotalKg(replica)];
    expect(onReplica).not.toBeCloseTo(onPrimary, 3);
    const response = await call(summary.GET, {
      path: `/api/v1/emissions/summary?${range}`,
      credential: owner,
    });
    expect(response.status).toBe(200);
    expect((response.body.totals as { co2eTotalKg: number }).co2eTotalKg).toBeCloseTo(onReplica, 6);
  });

  it("keeps every other route, and who the caller is, on the primary", async () => {
    const response = await call(accounts.GET, { path: "/api/v1/accounts", credential: owner });
    expect(response.status).toBe(200);
    const names = JSON.stringify(response.body);
    expect(names).not.toContain("On the replica");
    expect(names).toContain("AWS account 1");
  });
});
