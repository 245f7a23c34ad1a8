import type { Connection } from "@canopy/db";
import { sameNumber } from "../model/diff";
import { periodFromBounds, periodKey, previousMonth } from "../period";

/**
 * Cross-tenant reads for the scheduler. They run as the owner (maintenance connection) and only
 * decide what to queue; every report is then built under its tenant by the generate-report job.
 */

export type ScheduledReport = { tenantId: string; period: string };

/**
 * Organizations with emissions in the month before `now` and no report for it yet, once the day of
 * the month has come (a worker that was down on the day catches up the day after).
 */
export async function dueMonthlyReports(
  owner: Connection,
  now: Date,
  dayOfMonth: number,
): Promise<ScheduledReport[]> {
  if (now.getUTCDate() < dayOfMonth) return [];
  const period = previousMonth(now);
  const { rows } = await owner.pool.query<{ tenantId: string }>(
    `SELECT DISTINCT m.tenant_id AS "tenantId" FROM emissions_monthly m
     WHERE m.month = $1::date
       AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.tenant_id = m.tenant_id AND r.period_start = $1::date
                       AND r.period_end = $2::date AND r.boundary_key = 'all')
     ORDER BY 1`,
    [period.start, period.end],
  );
  return rows.map((row) => ({ tenantId: row.tenantId, period: periodKey(period) }));
}

export type StaleSeries = { tenantId: string; period: string; cloudAccountIds: string[] | null };

/**
 * Report series whose latest version is final while the rollups for its period and boundary now
 * give other totals or methodology versions (history was re-estimated, or late usage arrived).
 * Generating them again makes a new draft version with the diff; the locked version stays.
 */
export async function staleLockedSeries(owner: Connection): Promise<StaleSeries[]> {
  const { rows } = await owner.pool.query<{
    tenantId: string;
    periodStart: string;
    periodEnd: string;
    accountIds: string[] | null;
    lockedKg: number;
    lockedVersions: string[];
    currentKg: number;
    currentVersions: string[];
  }>(
    `WITH latest AS (
       SELECT DISTINCT ON (tenant_id, period_start, period_end, boundary_key)
              id, tenant_id, period_start, period_end, boundary_account_ids, status,
              (model -> 'content' -> 'totals' ->> 'co2eLocationKg')::float8 AS locked_kg,
              coalesce((SELECT array_agg(DISTINCT e ->> 'methodologyVersion' ORDER BY e ->> 'methodologyVersion')
                        FROM jsonb_array_elements(model -> 'content' -> 'dataQuality' -> 'methodologies') e), '{}') AS locked_versions
       FROM reports ORDER BY tenant_id, period_start, period_end, boundary_key, version DESC)
     SELECT l.tenant_id AS "tenantId", to_char(l.period_start, 'YYYY-MM-DD') AS "periodStart",
            to_char(l.period_end, 'YYYY-MM-DD') AS "periodEnd", l.boundary_account_ids::text[] AS "accountIds",
            l.locked_kg AS "lockedKg", l.locked_versions AS "lockedVersions",
            coalesce(sum(m.co2e_location_kg), 0)::float8 AS "currentKg",
            coalesce(array_agg(DISTINCT m.methodology_version ORDER BY m.methodology_version)
                     FILTER (WHERE m.methodology_version IS NOT NULL), '{}') AS "currentVersions"
     FROM latest l
     LEFT JOIN emissions_monthly m ON m.tenant_id = l.tenant_id AND m.month >= l.period_start AND m.month < l.period_end
       AND (l.boundary_account_ids IS NULL OR m.cloud_account_id = ANY(l.boundary_account_ids))
     WHERE l.status = 'final'
     GROUP BY l.id, l.tenant_id, l.period_start, l.period_end, l.boundary_account_ids, l.locked_kg, l.locked_versions`,
  );
  return rows
    .filter(
      (row) =>
        !sameNumber(row.lockedKg ?? 0, row.currentKg) ||
        // Monthly rollups keep one version per group (the highest), so compare by inclusion.
        row.currentVersions.some((version) => !row.lockedVersions.includes(version)),
    )
    .map((row) => ({
      tenantId: row.tenantId,
      period: periodKey(periodFromBounds(row.periodStart, row.periodEnd)),
      cloudAccountIds: row.accountIds,
    }));
}

/** Who hears about a tenant's scheduled report: members who can finalize it. */
export async function reportRecipients(owner: Connection, tenantId: string): Promise<string[]> {
  const { rows } = await owner.pool.query<{ email: string }>(
    `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.tenant_id = $1 AND m.role IN ('owner', 'admin', 'finance') ORDER BY u.email`,
    [tenantId],
  );
  return rows.map((row) => row.email);
}
