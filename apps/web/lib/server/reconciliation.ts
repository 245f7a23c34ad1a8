import "server-only";
import type { PoolClient } from "@canopy/db";
import { reconciliationRows, type ReconciliationRow } from "@canopy/jobs";

export type ReconciliationView = {
  /** First month shown and the month after the last, YYYY-MM-01. */
  from: string;
  to: string;
  /** Newest month first, then provider. */
  rows: ReconciliationRow[];
  /** Whether any provider figure is stored in the range (otherwise the page explains the lag). */
  hasProviderFigures: boolean;
};

const monthStart = (year: number, month: number) =>
  new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);

/**
 * Canopy's monthly estimate beside each provider's own figure for the last `months` months (the
 * current one included), for the organization the client is scoped to.
 */
export async function loadReconciliation(
  client: PoolClient,
  options: { months?: number; now?: Date } = {},
): Promise<ReconciliationView> {
  const now = options.now ?? new Date();
  const months = options.months ?? 13;
  const from = monthStart(now.getUTCFullYear(), now.getUTCMonth() - (months - 1));
  const to = monthStart(now.getUTCFullYear(), now.getUTCMonth() + 1);
  const rows = (await reconciliationRows(client, { from, to })).sort(
    (a, b) => b.month.localeCompare(a.month) || a.provider.localeCompare(b.provider),
  );
  return { from, to, rows, hasProviderFigures: rows.some((r) => r.reported !== null) };
}
