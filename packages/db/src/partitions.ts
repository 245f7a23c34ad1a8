import type pg from "pg";

/**
 * Makes sure emissions_hourly has monthly partitions for every month from `from` for `months`
 * months. Safe to call from the app role (the SQL function runs as the owner) and concurrently.
 */
export async function ensureEmissionsPartitions(
  client: Pick<pg.Pool, "query">,
  from: Date,
  months: number,
): Promise<number> {
  const monthStart = `${from.toISOString().slice(0, 7)}-01`;
  const result = await client.query<{ created: number }>(
    "SELECT ensure_emissions_partitions($1::date, $2) AS created",
    [monthStart, months],
  );
  return result.rows[0]?.created ?? 0;
}
