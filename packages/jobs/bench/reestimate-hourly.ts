/**
 * `pnpm --filter @canopy/jobs exec tsx bench/reestimate-hourly.ts [--dims 1120]`: re-estimating one
 * organization's year with hourly grid factors. One AWS account, `dims` usage rows per hour (7 regions
 * × 10 instance types × variants) for every hour of 2025 (1,120 × 8,760 ≈ 9.8M usage_hourly rows,
 * generated set-based in SQL, month by month as monthly bills arrive). The year is estimated once with annual factors and re-estimated with
 * them (timed, for comparison), then hourly intensities are loaded for every zone and hour of the year and the year is
 * re-estimated month by month with the estimate-window and rollup-days jobs, `concurrency` months at a
 * time (default 2, the worker's estimate-window concurrency) (timed: the figure).
 * Target: under 60 s. The server is DATABASE_URL's, else CANOPY_TEST_DATABASE_URL's, else a
 * throwaway embedded PostgreSQL; a scratch database is created and dropped. `--explain` logs the plans
 * of statements over 500 ms to the server's log.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { createKeyring, ensureEmissionsPartitions, monthsBetween } from "@canopy/db";
import { loadSyntheticGridIntensity } from "@canopy/db/scratch";
import { regionFactors } from "@canopy/methodology";
import { attemptContext } from "../src/contract";
import { jobDefinition } from "../src/registry";
import { benchDatabase } from "./bench-database";

const { values } = parseArgs({
  options: {
    dims: { type: "string", default: "1120" },
    // The worker runs estimate-window 2 at a time (its job options); 1 gives the serial figure.
    concurrency: { type: "string", default: "2" },
    explain: { type: "boolean", default: false },
    // Fewer months for a quick run while working on the estimate path (the figure is the year's).
    months: { type: "string", default: "12" },
  },
});
const dimsPerHour = Number(values.dims);
const concurrency = Math.max(1, Number(values.concurrency));

const regions = [
  "us-east-1",
  "us-west-2",
  "eu-west-1",
  "eu-central-1",
  "ap-southeast-1",
  "ap-northeast-1",
  "sa-east-1",
];
const instanceTypes: [string, number, number][] = [
  ["m5.large", 2, 8],
  ["m5.xlarge", 4, 16],
  ["m5.2xlarge", 8, 32],
  ["c5.large", 2, 4],
  ["c5.xlarge", 4, 8],
  ["r5.large", 2, 16],
  ["r5.xlarge", 4, 32],
  ["t3.medium", 2, 4],
  ["m6g.large", 2, 8],
  ["c6g.xlarge", 4, 8],
];
const yearStart = new Date("2025-01-01T00:00:00Z");
const yearEnd = new Date(Date.UTC(2025, Math.min(12, Math.max(1, Number(values.months))), 1));

const { database, stop } = await benchDatabase();
if (values.explain) {
  // Plans (with actual times) of statements over 500 ms go to the PostgreSQL server log.
  for (const setting of [
    "session_preload_libraries = 'auto_explain'",
    "auto_explain.log_min_duration = 500",
    "auto_explain.log_analyze = on",
  ])
    await database.owner.pool.query(`ALTER DATABASE ${database.name} SET ${setting}`);
}
const deps = {
  owner: database.owner,
  app: database.app,
  keyring: createKeyring(Buffer.alloc(32, 9).toString("base64")),
  log: () => undefined,
  enqueue: async () => randomUUID(),
};
const context = attemptContext(jobDefinition("estimate-window").options, "bench");

try {
  const tenantId = randomUUID();
  await database.owner.pool.query(
    "INSERT INTO tenants (id, name, slug) VALUES ($1, 'Bench', 'bench')",
    [tenantId],
  );
  const { rows: accounts } = await database.owner.pool.query<{ id: string }>(
    `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id)
     VALUES ($1, 'aws', 'Bench', '100000000000') RETURNING id`,
    [tenantId],
  );
  const cloudAccountId = accounts[0]!.id;

  const generated = performance.now();
  const variants = Math.ceil(dimsPerHour / (regions.length * instanceTypes.length));
  // Month by month, as monthly bills and syncs store usage (each month's rows together on disk).
  for (const month of monthsBetween(yearStart, yearEnd)) {
    await database.owner.pool.query(
      `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, period_hours, provider, service, region,
       kind, unit, usage_type, instance_type, vcpus, memory_gb, quantity, cost_amount, currency, tags, source_kind,
       shape_key)
     SELECT $1, $2, h, md5(d.region || d.itype || d.v), 1, 'aws', 'AmazonEC2', d.region, 'compute', 'instance-hours',
       'BoxUsage:' || d.itype, d.itype, d.vcpus, d.memory, 1 + ((d.v + extract(hour FROM h)::int) % 5), 0.096, 'USD',
       jsonb_build_object('team', 'team-' || d.v), 'cur2', md5(d.region || d.itype)
     FROM (
       SELECT r.region, t.itype, t.vcpus, t.memory, v
       FROM unnest($3::text[]) AS r(region)
       CROSS JOIN unnest($4::text[], $5::real[], $6::real[]) AS t(itype, vcpus, memory)
       CROSS JOIN generate_series(0, $7 - 1) AS v
       LIMIT $8
     ) d
     CROSS JOIN generate_series($9::timestamptz, $10::timestamptz - interval '1 hour', interval '1 hour') AS h
     ORDER BY h`,
      [
        tenantId,
        cloudAccountId,
        regions,
        instanceTypes.map((t) => t[0]),
        instanceTypes.map((t) => t[1]),
        instanceTypes.map((t) => t[2]),
        variants,
        dimsPerHour,
        month.start,
        month.end,
      ],
    );
  }
  await database.owner.pool.query("VACUUM ANALYZE usage_hourly");
  const { rows: count } = await database.owner.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM usage_hourly",
  );
  const usageRows = count[0]!.n;
  process.stdout.write(
    `generated ${usageRows.toLocaleString("en")} usage rows in ${((performance.now() - generated) / 1000).toFixed(1)} s\n`,
  );
  await ensureEmissionsPartitions(database.owner.pool, yearStart, 12);

  const months = monthsBetween(yearStart, yearEnd);
  const estimateYear = async () => {
    const started = performance.now();
    const queue = [...months];
    const lane = async () => {
      for (let month = queue.shift(); month; month = queue.shift()) {
        const payload = {
          tenantId,
          cloudAccountId,
          windowStart: month.start,
          windowEnd: month.end,
        };
        await jobDefinition("estimate-window").process(payload, deps, context);
        await jobDefinition("rollup-days").process(payload, deps, context);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return (performance.now() - started) / 1000;
  };

  const firstSeconds = await estimateYear();
  process.stdout.write(
    `first estimate, annual factors: ${firstSeconds.toFixed(1)} s (${concurrency} months at a time)\n`,
  );
  // The same re-estimation without hourly data, so the cost of the hourly join shows on its own.
  const annualSeconds = await estimateYear();
  process.stdout.write(`re-estimated with annual factors: ${annualSeconds.toFixed(1)} s\n`);

  // Hourly intensities for every zone and hour of the year (a diurnal shape around 300 g/kWh).
  const zones = regions.flatMap((r) => regionFactors("aws", r, { year: 2025 }).gridZone ?? []);
  const zoneHours = await loadSyntheticGridIntensity(database.owner, zones, yearStart, yearEnd);

  const hourlySeconds = await estimateYear();
  const { rows: coverage } = await database.owner.pool.query<{
    rows: number;
    share: number;
  }>(
    `SELECT (SELECT count(*)::int FROM emissions_hourly) AS rows,
            (SELECT sum(kwh_hourly_grid) / nullif(sum(kwh_facility), 0) FROM emissions_monthly)::float8 AS share`,
  );
  process.stdout.write(
    `bench:reestimate-hourly  ${usageRows.toLocaleString("en")} usage rows → ${coverage[0]!.rows.toLocaleString("en")} emission rows, ` +
      `${(coverage[0]!.share * 100).toFixed(1)} % of kWh on hourly grid factors (${zoneHours.toLocaleString("en")} zone-hours), ` +
      `re-estimated with rollups in ${hourlySeconds.toFixed(1)} s (${concurrency} months at a time; ` +
      `${((hourlySeconds / annualSeconds - 1) * 100).toFixed(0)} % over annual factors; target < 60 s) ` +
      `${hourlySeconds < 60 ? "PASS" : "FAIL"}\n`,
  );
} finally {
  await database.drop();
  await stop();
}
