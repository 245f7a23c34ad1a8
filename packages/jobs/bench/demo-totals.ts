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
const measures: [column: string, key: string][] = [
  ["kwh_facility", "kwhFacility"],
  ["co2e_location_kg", "co2eLocationKg"],
  ["co2e_market_kg", "co2eMarketKg"],
  ["co2e_embodied_kg", "co2eEmbodiedKg"],
  ["co2e_spend_based_kg", "co2eSpendBasedKg"],
  ["co2e_low_kg", "co2eLowKg"],
  ["co2e_high_kg", "co2eHighKg"],
  ["co2e_on_defaults_kg", "co2eOnDefaultsKg"],
  ["water_l", "waterL"],
];
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
  // Measures that exist in this checkout's schema (older checkouts lack the newer ones).
  const present = await database.owner.pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_name = 'emissions_monthly' AND column_name = ANY($1)`,
    [measures.map(([column]) => column)],
  );
  const have = new Set(present.rows.map((row) => row.column_name));
  const sums = measures
    .filter(([column]) => have.has(column))
    .map(([column, key]) => `round(sum(${column})::numeric, 1)::float8 AS "${key}"`)
    .join(", ");
  const rows = await withTenantClient(database.app, tenantId, async (client) => {
    const result = await client.query(
      `SELECT provider::text AS provider, min(methodology_version) AS "methodologyVersion", ${sums}
       FROM emissions_monthly GROUP BY ROLLUP (provider) ORDER BY provider NULLS LAST`,
    );
    return result.rows as Record<string, unknown>[];
  });
  for (const row of rows) console.log(JSON.stringify({ ...row, provider: row.provider ?? "all" }));
} finally {
  await driver.close();
  await database.drop();
}
