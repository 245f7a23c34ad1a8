import type { PoolClient } from "pg";
import type { Provider } from "@canopy/methodology";
import type { Connection } from "../client";

/**
 * Reads of usage_hourly the jobs schedule from: which accounts, regions, months and currencies stored
 * usage covers. Functions taking a PoolClient run in the caller's tenant transaction; those taking
 * the owner connection look across organizations.
 */

/** First and last hour (the end of its period) of each account's stored usage. */
export async function usageSpansByAccount(
  client: PoolClient,
): Promise<{ cloudAccountId: string; first: Date; last: Date }[]> {
  const result = await client.query<{ cloudAccountId: string; first: Date; last: Date }>(
    `SELECT cloud_account_id AS "cloudAccountId", min(hour) AS first, max(hour + make_interval(hours => period_hours::int)) AS last
         FROM usage_hourly GROUP BY cloud_account_id`,
  );
  return result.rows;
}

/** The ISO currency codes the account's usage is billed in. */
export async function usageCurrencies(
  client: PoolClient,
  cloudAccountId: string,
): Promise<string[]> {
  const { rows } = await client.query<{ currency: string }>(
    `SELECT DISTINCT currency FROM usage_hourly
         WHERE cloud_account_id = $1 AND currency IS NOT NULL AND currency ~ '^[A-Z]{3}$'`,
    [cloudAccountId],
  );
  return rows.map((r) => r.currency);
}

/**
 * The accounts whose usage in the window runs of this connection wrote (the connection itself, an AWS
 * payer's linked accounts, an Azure connection's subscriptions, a GCP export's projects).
 */
export async function accountsWrittenByConnection(
  client: PoolClient,
  connectionId: string,
  window: { start: Date; end: Date },
): Promise<string[]> {
  const earlier = await client.query<{ id: string }>(
    `SELECT DISTINCT u.cloud_account_id AS id FROM usage_hourly u JOIN sync_runs r ON r.id = u.sync_run_id
             WHERE r.cloud_account_id = $1 AND u.hour >= $2 AND u.hour < $3`,
    [connectionId, window.start, window.end],
  );
  return earlier.rows.map((r) => r.id);
}

/** The same accounts with their provider account ids, in that order. */
export async function accountTargetsOfConnection(
  client: PoolClient,
  connectionId: string,
  window: { start: Date; end: Date },
): Promise<{ cloudAccountId: string; providerAccountId: string }[]> {
  const { rows } = await client.query<{ cloudAccountId: string; providerAccountId: string }>(
    `SELECT a.id AS "cloudAccountId", a.provider_account_id AS "providerAccountId" FROM cloud_accounts a
       WHERE a.id IN (
         SELECT DISTINCT u.cloud_account_id FROM usage_hourly u JOIN sync_runs r ON r.id = u.sync_run_id
         WHERE r.cloud_account_id = $1 AND u.hour >= $2 AND u.hour < $3)
       ORDER BY a.provider_account_id`,
    [connectionId, window.start, window.end],
  );
  return rows;
}

/** Every provider and region with usage, and its earliest hour, over every organization. */
export async function usageRegionsFirstHour(
  owner: Connection,
): Promise<{ provider: Provider; region: string; firstHour: Date }[]> {
  const { rows } = await owner.pool.query<{ provider: Provider; region: string; firstHour: Date }>(
    `SELECT provider::text AS provider, region, min(hour) AS "firstHour"
     FROM usage_hourly GROUP BY provider, region`,
  );
  return rows;
}

/** Every provider and region with usage, over every organization. */
export async function usageRegions(
  owner: Connection,
): Promise<{ provider: Provider; region: string }[]> {
  const { rows } = await owner.pool.query<{ provider: Provider; region: string }>(
    "SELECT DISTINCT provider::text AS provider, region FROM usage_hourly",
  );
  return rows;
}

/** An account's provider, region and month (first day, YYYY-MM-DD) of usage. */
export type AccountRegionMonth = {
  tenantId: string;
  cloudAccountId: string;
  provider: Provider;
  region: string;
  month: string;
};

/**
 * Every account × region × month of any organization with usage starting in [from, to) whose period
 * reaches past `after`. Per account, so each scan uses the primary key.
 */
export async function usageRegionMonths(
  owner: Connection,
  hours: { from: Date; to: Date; after: Date },
): Promise<AccountRegionMonth[]> {
  const { rows } = await owner.pool.query<AccountRegionMonth>(
    `SELECT a.tenant_id AS "tenantId", a.id AS "cloudAccountId", u.provider, u.region, u.month
     FROM cloud_accounts a
     CROSS JOIN LATERAL (
       SELECT DISTINCT x.provider::text AS provider, x.region,
              to_char(date_trunc('month', x.hour AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS month
       FROM usage_hourly x
       WHERE x.tenant_id = a.tenant_id AND x.cloud_account_id = a.id AND x.hour >= $1 AND x.hour < $2
         AND x.hour + greatest(x.period_hours, 1) * interval '1 hour' > $3
     ) u`,
    [hours.from, hours.to, hours.after],
  );
  return rows;
}

/** Usage of AWS and GCP summed by month, account (provider id) and shape, with its first hour. */
export type MonthlyUsageAggregate<Kind extends string, Unit extends string> = {
  month: string;
  provider: "aws" | "gcp";
  account: string;
  service: string;
  region: string;
  kind: Kind;
  unit: Unit;
  usage_type: string;
  instance_type: string;
  vcpus: number | null;
  memory_gb: number | null;
  gpu_model: string | null;
  gpu_count: number | null;
  storage_class: "ssd" | "hdd" | null;
  quantity: number;
  first_hour: Date;
};

/** The tenant's AWS and GCP usage by month and shape (what the demo's provider figures derive from). */
export async function monthlyUsageAggregates<Kind extends string, Unit extends string>(
  client: PoolClient,
): Promise<MonthlyUsageAggregate<Kind, Unit>[]> {
  const { rows } = await client.query<MonthlyUsageAggregate<Kind, Unit>>(
    `SELECT to_char(date_trunc('month', u.hour), 'YYYY-MM-DD') AS month, u.provider::text AS provider,
              a.provider_account_id AS account, u.service, u.region, u.kind, u.unit, u.usage_type,
              u.instance_type, u.vcpus, u.memory_gb, u.gpu_model, u.gpu_count, u.storage_class,
              sum(u.quantity)::float8 AS quantity, min(u.hour) AS first_hour
       FROM usage_hourly u JOIN cloud_accounts a ON a.id = u.cloud_account_id
       WHERE u.provider IN ('aws', 'gcp')
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14`,
  );
  return rows;
}
