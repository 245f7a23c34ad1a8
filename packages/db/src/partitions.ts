import type pg from "pg";

/** Most months one ensure_emissions_partitions call may create (migration 0013). */
export const MAX_PARTITION_MONTHS_PER_CALL = 60;

/**
 * Makes sure emissions_hourly has monthly partitions for every month from `from` for `months`
 * months. Needs the owner connection (the app role may not execute the SQL function since
 * migration 0013); safe to call concurrently. The function refuses months before 2000-01 or more
 * than five years ahead; longer spans are asked for in calls of at most 60 months.
 */
export async function ensureEmissionsPartitions(
  owner: Pick<pg.Pool, "query">,
  from: Date,
  months: number,
): Promise<number> {
  let created = 0;
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1);
  for (let offset = 0; offset < months; offset += MAX_PARTITION_MONTHS_PER_CALL) {
    const monthStart = new Date(start);
    monthStart.setUTCMonth(monthStart.getUTCMonth() + offset);
    const result = await owner.query<{ created: number }>(
      "SELECT ensure_emissions_partitions($1::date, $2) AS created",
      [
        monthStart.toISOString().slice(0, 10),
        Math.min(MAX_PARTITION_MONTHS_PER_CALL, months - offset),
      ],
    );
    created += result.rows[0]?.created ?? 0;
  }
  return created;
}
