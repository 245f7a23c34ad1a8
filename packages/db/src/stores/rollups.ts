import type { PoolClient } from "pg";
import { withLocalSettings } from "./local-settings";
import { lockAccountMonths } from "./usage";

const measures = `sum(kwh_it), sum(kwh_facility), sum(co2e_location_kg), sum(co2e_market_kg), sum(co2e_embodied_kg),
  sum(water_l), sum(co2e_on_defaults_kg), sum(co2e_spend_based_kg), sum(co2e_low_kg), sum(co2e_high_kg),
  sum(kwh_hourly_grid), sum(kwh_disaggregated), sum(kwh_measured_utilization), sum(cost_amount), sum(cost_spend_based_amount), sum(cost_out_of_scope_amount), max(currency), max(methodology_version)`;
const measureColumns = `kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l,
  co2e_on_defaults_kg, co2e_spend_based_kg, co2e_low_kg, co2e_high_kg, kwh_hourly_grid, kwh_disaggregated, kwh_measured_utilization, cost_amount, cost_spend_based_amount,
  cost_out_of_scope_amount, currency, methodology_version`;

/**
 * Recomputes emissions_daily for the UTC days touching [start, end) and emissions_monthly for the
 * months touching them, for one account, from emissions_hourly. Replaces, never adds, so it can run
 * any number of times, and waits for writers of the same account months. Runs in the caller's tenant
 * transaction.
 */
export async function refreshRollups(
  client: PoolClient,
  tenantId: string,
  cloudAccountId: string,
  start: Date,
  end: Date,
): Promise<{ days: number; months: number }> {
  const firstDay = start.toISOString().slice(0, 10);
  const endDay = new Date(
    Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() + (isMidnight(end) ? 0 : 1)),
  )
    .toISOString()
    .slice(0, 10);
  const firstMonth = `${firstDay.slice(0, 7)}-01`;
  const lastMonth = new Date(`${endDay}T00:00:00Z`);
  lastMonth.setUTCDate(lastMonth.getUTCDate() - 1);
  const endMonth = new Date(Date.UTC(lastMonth.getUTCFullYear(), lastMonth.getUTCMonth() + 1, 1))
    .toISOString()
    .slice(0, 10);

  await lockAccountMonths(client, {
    cloudAccountId,
    start: new Date(`${firstMonth}T00:00:00Z`),
    end: new Date(`${endMonth}T00:00:00Z`),
  });
  await client.query(
    "DELETE FROM emissions_daily WHERE cloud_account_id = $1 AND day >= $2 AND day < $3",
    [cloudAccountId, firstDay, endDay],
  );
  // Hash aggregation in memory: the planner has no statistics on freshly written hours and would
  // otherwise sort them, on disk.
  const days = await withLocalSettings(client, { work_mem: "64MB", enable_sort: "off" }, () =>
    client.query(
      `INSERT INTO emissions_daily (day, tenant_id, cloud_account_id, provider, service, region, kind, ${measureColumns})
       SELECT (hour AT TIME ZONE 'UTC')::date, $1::uuid, cloud_account_id, provider, service, region, kind, ${measures}
       FROM emissions_hourly
       WHERE cloud_account_id = $2 AND hour >= $3::date AND hour < $4::date
       GROUP BY 1, 3, 4, 5, 6, 7`,
      [tenantId, cloudAccountId, firstDay, endDay],
    ),
  );
  await client.query(
    "DELETE FROM emissions_monthly WHERE cloud_account_id = $1 AND month >= $2 AND month < $3",
    [cloudAccountId, firstMonth, endMonth],
  );
  const months = await client.query(
    `INSERT INTO emissions_monthly (month, tenant_id, cloud_account_id, provider, service, region, kind, ${measureColumns})
     SELECT date_trunc('month', day)::date, $1::uuid, cloud_account_id, provider, service, region, kind, ${measures}
     FROM emissions_daily
     WHERE cloud_account_id = $2 AND day >= $3 AND day < $4
     GROUP BY 1, 3, 4, 5, 6, 7`,
    [tenantId, cloudAccountId, firstMonth, endMonth],
  );
  return { days: days.rowCount ?? 0, months: months.rowCount ?? 0 };
}

const isMidnight = (date: Date) => date.getTime() % 86_400_000 === 0;
