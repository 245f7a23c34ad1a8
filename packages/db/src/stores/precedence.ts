import type { PoolClient } from "pg";
import { sourceKinds, sourceRanks, type SourceKind } from "./sources";
import { windowArrays, type AccountWindow } from "./windows";
import type { AccountReplacement, ReplacementPreview, UsageFigures } from "../json/import-summary";

/**
 * Precedence between sources (one per account and UTC day) and the preview of what a write
 * replaces, for writeUsageRecords (usage.ts).
 */

/** The write would remove stored data it does not re-supply; nothing was committed. */
export class ReplacementNeedsConfirmationError extends Error {
  constructor(readonly preview: ReplacementPreview) {
    super(
      `This data replaces stored usage it does not re-supply (${preview.accounts
        .flatMap((a) => a.reasons.map((r) => `${a.providerAccountId}: ${r}`))
        .join("; ")}). Nothing was changed; confirm the replacement to go ahead.`,
    );
  }
}

const dayMs = 86_400_000;
export const dayFloor = (ms: number) => Math.floor(ms / dayMs) * dayMs;
export const dayCeil = (ms: number) => Math.ceil(ms / dayMs) * dayMs;

type DayDecision = { cloudAccountId: string; dayMs: number; wins: boolean; heldBy: string[] };

/**
 * For every account and UTC day the write claims: whether the incoming source takes it (its rank is
 * at least as good as every source counted there now) and which kinds hold it now.
 */
export async function precedenceByDay(
  client: PoolClient,
  claimed: readonly (AccountWindow & { precedence: string[] | null })[],
  sourceKind: string,
): Promise<DayDecision[]> {
  const ranks = claimed.flatMap((c) =>
    sourceRanks(c.precedence).map((r) => ({ account: c.cloudAccountId, ...r })),
  );
  await client.query(
    `CREATE TEMP TABLE usage_write_ranks ON COMMIT DROP AS
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[]) AS r(account_id, kind, rank)`,
    [ranks.map((r) => r.account), ranks.map((r) => r.kind), ranks.map((r) => r.rank)],
  );
  await client.query(
    `CREATE TEMP TABLE usage_write_days ON COMMIT DROP AS
     SELECT w.account_id, d::date AS day, r.rank, NULL::int AS existing_rank, NULL::text[] AS held_by, true AS wins
     FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
     CROSS JOIN LATERAL generate_series(w.start_at AT TIME ZONE 'UTC', w.end_at AT TIME ZONE 'UTC' - interval '1 day', interval '1 day') AS d
     LEFT JOIN usage_write_ranks r ON r.account_id = w.account_id AND r.kind = $4`,
    [...windowArrays(claimed), sourceKind],
  );
  await client.query(
    `UPDATE usage_write_days t SET existing_rank = e.rank, held_by = e.kinds,
       wins = t.rank <= e.rank
     FROM (
       SELECT k.account_id, k.day, min(coalesce(r.rank, 1000)) AS rank, array_agg(k.source_kind ORDER BY k.source_kind) AS kinds
       FROM (
         SELECT u.cloud_account_id AS account_id, (u.hour AT TIME ZONE 'UTC')::date AS day, u.source_kind
         FROM usage_hourly u
         JOIN unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
           ON u.cloud_account_id = w.account_id AND u.hour >= w.start_at AND u.hour < w.end_at
         GROUP BY 1, 2, 3
       ) k
       LEFT JOIN usage_write_ranks r ON r.account_id = k.account_id AND r.kind = k.source_kind
       GROUP BY k.account_id, k.day
     ) e
     WHERE t.account_id = e.account_id AND t.day = e.day`,
    windowArrays(claimed),
  );
  await client.query("ANALYZE usage_write_days");
  const result = await client.query<{
    account: string;
    day: string;
    wins: boolean;
    heldBy: string[] | null;
  }>(
    `SELECT account_id AS account, to_char(day, 'YYYY-MM-DD') AS day, wins, held_by AS "heldBy"
     FROM usage_write_days ORDER BY account_id, day`,
  );
  return result.rows.map((r) => ({
    cloudAccountId: r.account,
    dayMs: Date.parse(`${r.day}T00:00:00Z`),
    wins: r.wins,
    heldBy: r.heldBy ?? [],
  }));
}

/** Consecutive days of one account as windows. */
export function dayRanges(days: readonly DayDecision[]): AccountWindow[] {
  const windows: AccountWindow[] = [];
  let open: { cloudAccountId: string; startMs: number; endMs: number } | undefined;
  for (const day of days) {
    if (open && open.cloudAccountId === day.cloudAccountId && open.endMs === day.dayMs) {
      open.endMs += dayMs;
      continue;
    }
    if (open)
      windows.push({
        cloudAccountId: open.cloudAccountId,
        start: new Date(open.startMs),
        end: new Date(open.endMs),
      });
    open = { cloudAccountId: day.cloudAccountId, startMs: day.dayMs, endMs: day.dayMs + dayMs };
  }
  if (open)
    windows.push({
      cloudAccountId: open.cloudAccountId,
      start: new Date(open.startMs),
      end: new Date(open.endMs),
    });
  return windows;
}

/** A new source must re-supply at least this share of the rows and cost it replaces. */
const RESUPPLY_SHARE = 0.5;

/**
 * What this run replaced against what it brought, per account over the days it took: the rows it
 * moved to usage_superseded and its own new rows.
 */
export async function replacementPreview(
  client: PoolClient,
  syncRunId: string,
  claimed: readonly (AccountWindow & { provider: string; providerAccountId: string })[],
  winning: readonly AccountWindow[],
  sourceKind: string,
): Promise<ReplacementPreview> {
  const figures = `count(*)::int AS rows, coalesce(sum(cost_amount), 0)::float8 AS "costAmount",
    array_agg(DISTINCT service ORDER BY service) AS services, array_agg(DISTINCT source_kind ORDER BY source_kind) AS "sourceKinds"`;
  const stored = await client.query<UsageFigures & { account: string }>(
    `SELECT s.cloud_account_id AS account, ${figures} FROM usage_superseded s
     JOIN unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) AS w(account_id, start_at, end_at)
       ON s.cloud_account_id = w.account_id AND s.hour >= w.start_at AND s.hour < w.end_at
     WHERE s.superseded_by_sync_run_id = $1 AND s.reason = 'replaced' GROUP BY s.cloud_account_id`,
    // Only this write's days: a sync writes its window in chunks under one run.
    [syncRunId, ...windowArrays(winning)],
  );
  const arriving = await client.query<UsageFigures & { account: string }>(
    `SELECT u.cloud_account_id AS account, ${figures} FROM usage_hourly u
     JOIN unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
       ON u.cloud_account_id = w.account_id AND u.hour >= w.start_at AND u.hour < w.end_at
     GROUP BY u.cloud_account_id`,
    windowArrays(winning),
  );
  const emissions = await client.query<{
    account: string;
    kwhFacility: number;
    co2eLocationKg: number;
  }>(
    `SELECT e.cloud_account_id AS account, coalesce(sum(kwh_facility), 0) AS "kwhFacility",
            coalesce(sum(co2e_location_kg), 0) AS "co2eLocationKg"
     FROM emissions_hourly e
     JOIN unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
       ON e.cloud_account_id = w.account_id AND e.hour >= w.start_at AND e.hour < w.end_at
     GROUP BY e.cloud_account_id`,
    windowArrays(winning),
  );
  const none: UsageFigures = { rows: 0, costAmount: 0, services: [], sourceKinds: [] };
  const accounts: AccountReplacement[] = [];
  for (const row of stored.rows) {
    const account = claimed.find((c) => c.cloudAccountId === row.account)!;
    const theirs = winning.filter((w) => w.cloudAccountId === row.account);
    const incoming = arriving.rows.find((r) => r.account === row.account) ?? none;
    const energy = emissions.rows.find((r) => r.account === row.account);
    const reasons: string[] = [];
    const gone = row.services.filter((s) => !incoming.services.includes(s));
    if (gone.length)
      reasons.push(
        `removes ${gone.length} service(s) it does not re-supply: ${gone.slice(0, 8).join(", ")}`,
      );
    if (incoming.rows < RESUPPLY_SHARE * row.rows)
      reasons.push(`replaces ${row.rows} stored usage rows with ${incoming.rows}`);
    if (Math.abs(incoming.costAmount) < RESUPPLY_SHARE * Math.abs(row.costAmount))
      reasons.push(
        `cost falls from ${row.costAmount.toFixed(2)} to ${incoming.costAmount.toFixed(2)}`,
      );
    const otherKinds = row.sourceKinds.filter((k) => k !== sourceKind);
    if (otherKinds.length)
      reasons.push(
        `replaces data from another kind of source (${otherKinds.map((k) => sourceKinds[k as SourceKind] ?? k).join(", ")})`,
      );
    accounts.push({
      cloudAccountId: row.account,
      provider: account.provider,
      providerAccountId: account.providerAccountId,
      start: theirs[0]!.start.toISOString(),
      end: theirs.at(-1)!.end.toISOString(),
      stored: {
        ...row,
        kwhFacility: Number(energy?.kwhFacility ?? 0),
        co2eLocationKg: Number(energy?.co2eLocationKg ?? 0),
      },
      arriving: incoming,
      reasons,
    });
  }
  return { needsConfirmation: accounts.some((a) => a.reasons.length > 0), accounts };
}
