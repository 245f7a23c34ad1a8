/**
 * `pnpm bench:allocation [--rows 10000000] [--cost-centres 1000] [--runs 3]`: allocates one month of
 * one organization's hourly emissions (issue target: 10M hourly rows across 1,000 cost centres in
 * under 30 s) on a scratch database of the test server, and prints the time of each run and the
 * conservation check (cost centres + unallocated = total). The seed: `rows ÷ 744` series of one
 * hour each for May 2026 (`--explain`: plans of statements over 1 s to the server log), tagged `team-0 … team-(1.2 × cost centres)`; one fixed rule per cost
 * centre by team tag, one proportional rule for the rest of one service, the remainder unallocated.
 */
import { parseArgs } from "node:util";
import { parseEnv } from "@canopy/config";
import { allocateEmissions, withTenantClient } from "@canopy/db";
import { createScratchDatabase } from "@canopy/db/scratch";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "10000000" },
    "cost-centres": { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
    explain: { type: "boolean", default: false },
  },
});
const log = (line: string) => process.stdout.write(`${line}\n`);
const hours = 744; // May 2026

async function main() {
  const database = await createScratchDatabase(parseEnv().CANOPY_TEST_DATABASE_URL);
  const owner = database.owner.pool;
  try {
    if (args.explain) {
      for (const setting of [
        "session_preload_libraries = 'auto_explain'",
        "auto_explain.log_min_duration = 1000",
        "auto_explain.log_analyze = on",
      ])
        await owner.query(`ALTER DATABASE ${database.name} SET ${setting}`);
    }
    const centres = Number(args["cost-centres"]);
    const series = Math.ceil(Number(args.rows) / hours);
    const teams = Math.ceil(centres * 1.2);
    const { rows } = await owner.query<{ id: string }>(
      "INSERT INTO tenants (name, slug) VALUES ('bench', 'bench') RETURNING id",
    );
    const tenantId = rows[0]!.id;
    const accounts = await owner.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id)
       SELECT $1, 'aws', 'account ' || a, lpad(a::text, 12, '0') FROM generate_series(1, 20) a RETURNING id`,
      [tenantId],
    );
    const accountIds = accounts.rows.map((r) => r.id);
    await owner.query("SELECT ensure_emissions_partitions('2026-05-01', 2)");
    let started = performance.now();
    await owner.query(
      `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, tags,
         pue, grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l,
         cost_amount, currency, methodology_version)
       SELECT $1, ($2::uuid[])[1 + s % 20], h, md5(s::text), 'aws', 'service-' || (s % 30), 'us-east-1', 'compute',
         jsonb_build_object('team', 'team-' || (s % $4), 'env', 'prod'),
         1.2, 380, 0.5, 0.6, 0.6 * 0.38, 0.6 * 0.2, 0.01, 0.9, 0.05, 'USD', 'bench'
       FROM generate_series(0, $3 - 1) s
       CROSS JOIN generate_series('2026-05-01T00:00:00Z'::timestamptz, '2026-05-31T23:00:00Z', interval '1 hour') h`,
      [tenantId, accountIds, series, teams],
    );
    await owner.query("VACUUM ANALYZE emissions_hourly");
    await owner.query("CHECKPOINT");
    const seeded = (
      await owner.query<{ n: number }>("SELECT count(*)::int AS n FROM emissions_hourly")
    ).rows[0]!.n;
    log(
      `seeded ${seeded.toLocaleString("en")} hourly rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    await withTenantClient(database.app, tenantId, async (client) => {
      const ids = await client.query<{ id: string }>(
        "INSERT INTO cost_centres (tenant_id, name) SELECT $1, 'customer-' || c FROM generate_series(0, $2 - 1) c RETURNING id",
        [tenantId, centres],
      );
      await client.query(
        `WITH r AS (
           INSERT INTO allocation_rules (tenant_id, position, tag_key, tag_value, split)
           SELECT $1, c + 1, 'team', 'team-' || c, 'fixed' FROM generate_series(0, $2 - 1) c RETURNING id, position
         )
         INSERT INTO allocation_rule_targets (tenant_id, rule_id, cost_centre_id) SELECT $1, r.id, ($3::uuid[])[r.position] FROM r`,
        [tenantId, centres, ids.rows.map((r) => r.id)],
      );
      const shared = await client.query<{ id: string }>(
        "INSERT INTO allocation_rules (tenant_id, position, service, split) VALUES ($1, $2, 'service-0', 'proportional') RETURNING id",
        [tenantId, centres + 1],
      );
      await client.query(
        "INSERT INTO allocation_rule_targets (tenant_id, rule_id, cost_centre_id) SELECT $1, $2, unnest($3::uuid[])",
        [tenantId, shared.rows[0]!.id, ids.rows.slice(0, 10).map((r) => r.id)],
      );
    });
    log(
      `${centres} cost centres, ${centres + 1} rules (${centres} by tag, 1 proportional shared service)`,
    );

    const times: number[] = [];
    for (let run = 0; run < Number(args.runs); run++) {
      started = performance.now();
      const timings: Record<string, number> = {};
      const result = await withTenantClient(database.app, tenantId, (client) =>
        allocateEmissions(
          client,
          { start: "2026-05-01T00:00:00Z", end: "2026-06-01T00:00:00Z" },
          timings,
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      times.push(seconds);
      const allocated = result.costCentres.reduce((s, c) => s + c.sums.co2eLocationKg, 0);
      const gap = Math.abs(
        allocated + result.unallocated.sums.co2eLocationKg - result.total.co2eLocationKg,
      );
      log(
        `run ${run + 1}: ${seconds.toFixed(2)} s · total ${result.total.co2eLocationKg.toFixed(1)} kg, allocated ${allocated.toFixed(1)} kg, ` +
          `unallocated ${result.unallocated.sums.co2eLocationKg.toFixed(1)} kg, conservation gap ${gap.toExponential(2)} kg, ms ${JSON.stringify(timings)}`,
      );
    }
    const best = Math.min(...times);
    log(
      `allocation of ${seeded.toLocaleString("en")} rows to ${centres} cost centres: best ${best.toFixed(2)} s (target < 30 s) ${best < 30 ? "met" : "MISSED"}`,
    );
  } finally {
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
