import {
  lockedSeriesTotals,
  reportRecipientEmails,
  tenantsWithoutMonthlyReport,
  type Connection,
} from "@canopy/db";
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
  const tenantIds = await tenantsWithoutMonthlyReport(owner, period);
  return tenantIds.map((tenantId) => ({ tenantId, period: periodKey(period) }));
}

export type StaleSeries = { tenantId: string; period: string; cloudAccountIds: string[] | null };

/**
 * Report series whose latest version is final while the rollups for its period and boundary now
 * give other totals or methodology versions (history was re-estimated, or late usage arrived).
 * Generating them again makes a new draft version with the diff; the locked version stays.
 */
export async function staleLockedSeries(owner: Connection): Promise<StaleSeries[]> {
  const rows = await lockedSeriesTotals(owner);
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
  return reportRecipientEmails(owner, tenantId);
}
