import type { PoolClient } from "pg";

/** A dashboard view a user saved (its URL query), private to that user in the organization. */
export type SavedView = { id: string; name: string; query: string; updatedAt: string };

/** Views one user may keep per organization. */
export const MAX_SAVED_VIEWS = 50;

const columns = `id::text, name, query, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "updatedAt"`;

/** The user's views in the caller's tenant transaction, by name. */
export async function listSavedViews(client: PoolClient, userId: string): Promise<SavedView[]> {
  const result = await client.query<SavedView>(
    `SELECT ${columns} FROM saved_views WHERE user_id = $1 ORDER BY lower(name), name`,
    [userId],
  );
  return result.rows;
}

/**
 * Saves a view under `name` for the user: a new one, or the same name's query replaced. Null when the
 * user already has MAX_SAVED_VIEWS other views.
 */
export async function saveView(
  client: PoolClient,
  tenantId: string,
  userId: string,
  view: { name: string; query: string },
): Promise<SavedView | null> {
  const count = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM saved_views WHERE user_id = $1 AND name <> $2",
    [userId, view.name],
  );
  if (count.rows[0]!.n >= MAX_SAVED_VIEWS) return null;
  const result = await client.query<SavedView>(
    `INSERT INTO saved_views (tenant_id, user_id, name, query) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, user_id, name) DO UPDATE SET query = EXCLUDED.query, updated_at = now()
     RETURNING ${columns}`,
    [tenantId, userId, view.name, view.query],
  );
  return result.rows[0]!;
}

/** Deletes one of the user's views; false when the user has no view with that id. */
export async function deleteSavedView(
  client: PoolClient,
  userId: string,
  id: string,
): Promise<boolean> {
  const result = await client.query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2", [
    id,
    userId,
  ]);
  return (result.rowCount ?? 0) > 0;
}
