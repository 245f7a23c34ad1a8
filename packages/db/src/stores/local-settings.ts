import type { PoolClient } from "pg";

/**
 * Runs `run` with planner or memory settings changed for the caller's transaction only, then puts the
 * previous values back, so later statements of the same transaction plan as usual. (On failure the
 * transaction is aborted and its end restores everything anyway.)
 */
export async function withLocalSettings<T>(
  client: PoolClient,
  settings: Record<string, string>,
  run: () => Promise<T>,
): Promise<T> {
  const names = Object.keys(settings);
  const previous = await client.query<{ value: string }>(
    "SELECT current_setting(name) AS value FROM unnest($1::text[]) WITH ORDINALITY AS s(name, i) ORDER BY i",
    [names],
  );
  const apply = (values: string[]) =>
    client.query(
      "SELECT set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s(name, value)",
      [names, values],
    );
  await apply(Object.values(settings));
  const result = await run();
  await apply(previous.rows.map((r) => r.value));
  return result;
}

/**
 * Turns JIT compilation off for the rest of the caller's transaction: it costs seconds on one big
 * scan and saves nothing on small ones (the report build reads that way).
 */
export async function disableJitForTransaction(client: PoolClient): Promise<void> {
  await client.query("SET LOCAL jit = off");
}
