import type pg from "pg";

export type SeedOptions = {
  tenantId: string;
  accounts: number;
  services: number;
  /** Distinct (account, service, region) series; each has one row per hour. */
  combos: number;
  start: Date;
  hours: number;
};

const regionsByProvider = {
  aws: ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"],
  azure: ["eastus", "westeurope", "northeurope", "southeastasia", "westus2"],
  gcp: ["us-central1", "europe-west1", "europe-west4", "asia-east1", "us-east4"],
} as const;
const providers = ["aws", "azure", "gcp"] as const;

/**
 * Writes synthetic hourly emissions for one organization straight into emissions_hourly, then its
 * daily and monthly rollups, with set-based SQL (generate_series) as the owner. Series i belongs to
 * account i % accounts, service ⌊i / accounts⌋ % services, and one of its provider's five regions.
 * Returns the cloud account ids.
 */
export async function seedEmissions(owner: pg.Pool, options: SeedOptions): Promise<string[]> {
  const { tenantId } = options;
  const accountIds: string[] = [];
  for (let a = 0; a < options.accounts; a++) {
    const provider = providers[a % 3]!;
    const result = await owner.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status, last_sync_at)
       VALUES ($1, $2, $3, $4, 'active', now()) RETURNING id`,
      [
        tenantId,
        provider,
        `${provider.toUpperCase()} account ${a + 1}`,
        `${tenantId.slice(0, 8)}-${a + 1}`,
      ],
    );
    accountIds.push(result.rows[0]!.id);
  }
  const end = new Date(options.start.getTime() + options.hours * 3_600_000);
  const months = Math.ceil(options.hours / 24 / 28) + 2;
  await owner.query("SELECT ensure_emissions_partitions($1::date, $2)", [
    options.start.toISOString().slice(0, 10),
    months,
  ]);
  await owner.query(
    `WITH series AS (
       SELECT i, ($2::uuid[])[1 + i % $3] AS account_id, (i % $3) % 3 AS p,
              'service-' || lpad(((i / $3) % $4)::text, 2, '0') AS service,
              ((i * 7 + i / 800) % 5) AS r
       FROM generate_series(0, $5 - 1) AS i
     ), named AS (
       SELECT s.*, (ARRAY['aws','azure','gcp'])[p + 1]::cloud_provider AS provider,
              (ARRAY[$8::text[], $9::text[], $10::text[]])[p + 1][r + 1] AS region
       FROM series s
     )
     INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind,
       instance_type, tags, pue, grid_intensity_g_per_kwh, default_factors_mask, kwh_it, kwh_facility,
       co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, co2e_on_defaults_kg, cost_amount, currency,
       methodology_version)
     SELECT $1::uuid, n.account_id, h, md5(n.service || '/' || n.region), n.provider, n.service, n.region, 'compute',
       '', jsonb_build_object('team', 'team-' || (n.i % 4)), 1.2, 300 + 20 * n.r, (n.i % 5 = 0)::int,
       e.kwh, e.kwh * 1.2, e.kwh * 1.2 * (0.3 + 0.02 * n.r), e.kwh * 1.2 * (0.2 + 0.01 * n.r), e.kwh * 0.05,
       e.kwh * 1.8, CASE WHEN n.i % 5 = 0 THEN e.kwh * 1.2 * (0.3 + 0.02 * n.r) ELSE 0 END, e.kwh * 0.9, 'USD',
       'bench'
     FROM named n
     CROSS JOIN generate_series($6::timestamptz, $7::timestamptz - interval '1 hour', interval '1 hour') AS h
     CROSS JOIN LATERAL (SELECT 0.2 + (n.i % 13) * 0.05 + 0.1 * (extract(hour from h)::int % 6) AS kwh) e`,
    [
      tenantId,
      accountIds,
      options.accounts,
      options.services,
      options.combos,
      options.start.toISOString(),
      end.toISOString(),
      regionsByProvider.aws,
      regionsByProvider.azure,
      regionsByProvider.gcp,
    ],
  );
  const measures = `sum(kwh_it), sum(kwh_facility), sum(co2e_location_kg), sum(co2e_market_kg), sum(co2e_embodied_kg),
    sum(water_l), sum(co2e_on_defaults_kg), sum(cost_amount), max(currency), max(methodology_version)`;
  const columns = `tenant_id, cloud_account_id, provider, service, region, kind, kwh_it, kwh_facility, co2e_location_kg,
    co2e_market_kg, co2e_embodied_kg, water_l, co2e_on_defaults_kg, cost_amount, currency, methodology_version`;
  await owner.query(
    `INSERT INTO emissions_daily (day, ${columns})
     SELECT (hour AT TIME ZONE 'UTC')::date, tenant_id, cloud_account_id, provider, service, region, kind, ${measures}
     FROM emissions_hourly WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    [tenantId],
  );
  await owner.query(
    `INSERT INTO emissions_monthly (month, ${columns})
     SELECT date_trunc('month', day)::date, tenant_id, cloud_account_id, provider, service, region, kind, ${measures}
     FROM emissions_daily WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    [tenantId],
  );
  await owner.query("ANALYZE emissions_daily; ANALYZE emissions_monthly");
  return accountIds;
}
