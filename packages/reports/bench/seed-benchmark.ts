/**
 * Seeds the benchmark organization into a throwaway database with SQL generate_series, as the owner:
 * 3 cloud accounts × 1,152 usage dimensions × every hour of 2025 ≈ 10.1 million emissions_hourly
 * rows, their daily and monthly rollups, and 2024 monthly rollups for the comparisons.
 */
import pg from "pg";
import { migrate } from "@canopy/db";

export const BENCH_SEED_VERSION = "1";
export const BENCH_ORG_SLUG = "bench-corp";
export const BENCH_YEAR = 2025;
const APP_PASSWORD = "canopy-bench-password";

export type BenchDatabase = { ownerUrl: string; rolePrefix: string; appPassword: string };

export async function ensureBenchDatabase(
  serverUrl: string,
  name: string,
  options: { reseed: boolean; log: (line: string) => void },
): Promise<BenchDatabase & { seeded: boolean }> {
  const ownerUrl = new URL(serverUrl);
  ownerUrl.pathname = `/${name}`;
  const database = {
    ownerUrl: ownerUrl.toString(),
    rolePrefix: `${name}_r`,
    appPassword: APP_PASSWORD,
  };
  const server = new pg.Client({ connectionString: serverUrl });
  await server.connect();
  try {
    const exists = await server.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (
      exists.rowCount &&
      !options.reseed &&
      (await seedVersion(database.ownerUrl)) === BENCH_SEED_VERSION
    ) {
      return { ...database, seeded: false };
    }
    await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await server.query(`CREATE DATABASE ${name}`);
  } finally {
    await server.end();
  }
  await migrate(database);
  await seed(database.ownerUrl, options.log);
  return { ...database, seeded: true };
}

export async function dropBenchDatabase(
  serverUrl: string,
  name: string,
  rolePrefix: string,
): Promise<void> {
  const server = new pg.Client({ connectionString: serverUrl });
  await server.connect();
  try {
    await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (const role of [`${rolePrefix}_app`, `${rolePrefix}_auth`])
      await server.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await server.end();
  }
}

async function seedVersion(ownerUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const result = await client.query<{ metadata: string | null }>(
      "SELECT metadata FROM tenants WHERE slug = $1",
      [BENCH_ORG_SLUG],
    );
    return result.rows[0]?.metadata ?? undefined;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

const services = ["compute", "database", "storage", "kubernetes", "analytics", "ml"];
const regions: Record<string, string[]> = {
  aws: ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"],
  azure: ["westeurope", "northeurope", "eastus", "uksouth"],
  gcp: ["europe-west1", "us-central1", "asia-northeast1", "europe-north1"],
};
const kinds = ["compute", "memory", "storage", "network"];

async function seed(ownerUrl: string, log: (line: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const step = async (label: string, sql: string, values: unknown[] = []) => {
    const started = performance.now();
    const result = await client.query(sql, values);
    log(
      `  ${label}: ${result.rowCount ?? 0} rows, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  };
  try {
    await client.query("SET synchronous_commit = off");
    const tenant = await client.query<{ id: string }>(
      "INSERT INTO tenants (name, slug) VALUES ('Bench Corp', $1) RETURNING id",
      [BENCH_ORG_SLUG],
    );
    const tenantId = tenant.rows[0]!.id;
    await client.query(`SELECT ensure_emissions_partitions('${BENCH_YEAR}-01-01', 12)`);
    for (const provider of ["aws", "azure", "gcp"]) {
      await client.query(
        `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
         VALUES ($1, $2, $3, $4, 'active')`,
        [tenantId, provider, `${provider.toUpperCase()} bench account`, `bench-${provider}`],
      );
    }
    // 3 accounts × 6 services × 4 regions × 4 kinds × 4 tag variants = 1,152 dimensions.
    await client.query(
      `CREATE TEMP TABLE bench_dims AS
       SELECT a.id AS cloud_account_id, a.provider, s.service, r.region, k.kind, v.variant,
              md5(a.id::text || s.service || r.region || k.kind || v.variant) AS dims_key,
              jsonb_build_object('team', 'team-' || ((v.variant + s.n) % 10), 'cost-centre', 'CC-' || (100 * (1 + (v.variant + r.n) % 5)),
                                 'product', 'product-' || (k.n % 3)) AS tags,
              (0.2 + ((s.n * 7 + r.n * 3 + k.n) % 11) / 10.0)::float8 AS scale
       FROM cloud_accounts a
       CROSS JOIN (SELECT service, n FROM unnest($2::text[]) WITH ORDINALITY AS t(service, n)) s
       CROSS JOIN LATERAL (SELECT region, n FROM unnest(CASE a.provider WHEN 'aws' THEN $3::text[] WHEN 'azure' THEN $4::text[] ELSE $5::text[] END)
                           WITH ORDINALITY AS t(region, n)) r
       CROSS JOIN (SELECT kind, n FROM unnest($6::text[]) WITH ORDINALITY AS t(kind, n)) k
       CROSS JOIN generate_series(0, 3) AS v(variant)
       WHERE a.tenant_id = $1`,
      [tenantId, services, regions.aws, regions.azure, regions.gcp, kinds],
    );
    const dims = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM bench_dims");
    log(`  ${dims.rows[0]!.n} usage dimensions × ${BENCH_YEAR} hours`);
    await step(
      "emissions_hourly",
      `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, instance_type, tags,
         pue, grid_intensity_g_per_kwh, default_factors_mask, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg,
         co2e_embodied_kg, water_l, co2e_on_defaults_kg, cost_amount, currency, methodology_version)
       SELECT $1, d.cloud_account_id, h.hour, d.dims_key, d.provider, d.service, d.region, d.kind, '', d.tags,
              1.15, 300, CASE WHEN d.kind = 'network' THEN 1 ELSE 0 END,
              e.kwh, e.kwh * 1.15, e.kwh * 1.15 * 0.3, e.kwh * 1.15 * 0.3 * 0.4,
              CASE WHEN d.kind = 'compute' THEN e.kwh * 0.05 ELSE 0 END, e.kwh * 0.4,
              CASE WHEN d.kind = 'network' THEN e.kwh * 1.15 * 0.3 ELSE 0 END,
              round((e.kwh * 0.12)::numeric, 8), 'USD', 'canopy-1.0.0+pack.2025.1'
       FROM bench_dims d
       CROSS JOIN generate_series($2::timestamptz, $3::timestamptz - interval '1 hour', interval '1 hour') AS h(hour)
       CROSS JOIN LATERAL (SELECT d.scale * (1 + 0.3 * sin(extract(epoch FROM h.hour) / 13751.0)) AS kwh) e`,
      [tenantId, `${BENCH_YEAR}-01-01T00:00:00Z`, `${BENCH_YEAR + 1}-01-01T00:00:00Z`],
    );
    const measures = `sum(kwh_it), sum(kwh_facility), sum(co2e_location_kg), sum(co2e_market_kg), sum(co2e_embodied_kg),
      sum(water_l), sum(co2e_on_defaults_kg), sum(cost_amount), max(currency), max(methodology_version)`;
    const columns = `kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, co2e_on_defaults_kg,
      cost_amount, currency, methodology_version`;
    await step(
      "emissions_daily",
      `INSERT INTO emissions_daily (day, tenant_id, cloud_account_id, provider, service, region, kind, ${columns})
       SELECT (hour AT TIME ZONE 'UTC')::date, tenant_id, cloud_account_id, provider, service, region, kind, ${measures}
       FROM emissions_hourly WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7`,
      [tenantId],
    );
    await step(
      "emissions_monthly",
      `INSERT INTO emissions_monthly (month, tenant_id, cloud_account_id, provider, service, region, kind, ${columns})
       SELECT date_trunc('month', day)::date, tenant_id, cloud_account_id, provider, service, region, kind, ${measures}
       FROM emissions_daily WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7`,
      [tenantId],
    );
    await step(
      "emissions_monthly (previous year, for comparisons)",
      `INSERT INTO emissions_monthly (month, tenant_id, cloud_account_id, provider, service, region, kind, ${columns})
       SELECT (month - interval '1 year')::date, tenant_id, cloud_account_id, provider, service, region, kind,
              kwh_it * 0.9, kwh_facility * 0.9, co2e_location_kg * 0.9, co2e_market_kg * 0.9, co2e_embodied_kg * 0.9,
              water_l * 0.9, co2e_on_defaults_kg * 0.9, cost_amount * 0.9, currency, methodology_version
       FROM emissions_monthly WHERE tenant_id = $1`,
      [tenantId],
    );
    await step("vacuum analyze", "VACUUM ANALYZE emissions_hourly");
    await client.query("VACUUM ANALYZE emissions_daily");
    await client.query("VACUUM ANALYZE emissions_monthly");
    await client.query("UPDATE tenants SET metadata = $2 WHERE id = $1", [
      tenantId,
      BENCH_SEED_VERSION,
    ]);
  } finally {
    await client.end();
  }
}
