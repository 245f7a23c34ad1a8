/**
 * `pnpm --filter @canopy/jobs exec tsx bench/demo-totals.ts [--now 2026-12-01T00:00:00Z]`: seeds the
 * demo organization (fixed clock, so the usage is the same on every run) into a scratch database on
 * the local PostgreSQL (DATABASE_URL, else CANOPY_TEST_DATABASE_URL; created and dropped), runs the
 * reestimate-tenant job through the inline driver, and prints the totals per provider as JSON lines.
 * Run it on two checkouts to show what a method or data-pack change does to the same usage.
 */
import { parseArgs } from "node:util";
import { parseEnv } from "@canopy/config";
import { createKeyring, seedDemoOrganization, withTenantClient } from "@canopy/db";
import { createScratchDatabase } from "@canopy/db/scratch";
import { createInlineDriver } from "../src/drivers/inline";

const { values } = parseArgs({
  options: { now: { type: "string", default: "2026-12-01T00:00:00Z" } },
});
const env = parseEnv();
const database = await createScratchDatabase(env.DATABASE_URL ?? env.CANOPY_TEST_DATABASE_URL);
const failures: string[] = [];
const driver = createInlineDriver(
  {
    owner: database.owner,
    app: database.app,
    keyring: createKeyring(Buffer.alloc(32, 1).toString("base64")),
    log: () => undefined,
  },
  { onFailed: (job, _ms, error) => failures.push(`${job}: ${error.message}`) },
);
try {
  const { tenantId } = await seedDemoOrganization(database.owner, new Date(values.now));
  await driver.startWorkers();
  await driver.enqueue("reestimate-tenant", { tenantId });
  await driver.drain();
  if (failures.length > 0) throw new Error(`jobs failed: ${failures.join("; ")}`);
  const rows = await withTenantClient(database.app, tenantId, async (client) => {
    const result = await client.query(
      `SELECT provider::text AS provider, min(methodology_version) AS "methodologyVersion",
              round(sum(kwh_facility)::numeric, 1)::float8 AS "kwhFacility",
              round(sum(co2e_location_kg)::numeric, 1)::float8 AS "co2eLocationKg",
              round(sum(co2e_market_kg)::numeric, 1)::float8 AS "co2eMarketKg",
              round(sum(co2e_embodied_kg)::numeric, 1)::float8 AS "co2eEmbodiedKg",
              round(sum(co2e_on_defaults_kg)::numeric, 1)::float8 AS "co2eOnDefaultsKg",
              round(sum(water_l)::numeric, 0)::float8 AS "waterL"
       FROM emissions_monthly GROUP BY ROLLUP (provider) ORDER BY provider NULLS LAST`,
    );
    return result.rows as Record<string, unknown>[];
  });
  for (const row of rows) console.log(JSON.stringify({ ...row, provider: row.provider ?? "all" }));
} finally {
  await driver.close();
  await database.drop();
}
