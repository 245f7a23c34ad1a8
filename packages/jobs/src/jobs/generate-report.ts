import path from "node:path";
import { z } from "zod";
import { canopyHome, loadConfig } from "@canopy/config";
import { withTenantClient } from "@canopy/db";
import {
  boundaryKeyOf,
  createEmailTransport,
  dueMonthlyReports,
  generateReport,
  getReport,
  InvalidPeriodError,
  parsePeriod,
  reportReadyEmail,
  reportRecipients,
  ReportInputError,
  staleLockedSeries,
  type EmailTransport,
} from "@canopy/reports";
import { defineJob, type JobDeps, type QueueDriver } from "../contract";
import { PermanentJobError } from "../errors";

/** How report emails leave and where their links point: process configuration, set once. */
export type ReportDelivery = { transport: EmailTransport; from: string; publicUrl: string };

let configuredDelivery: ReportDelivery | undefined;
export function useReportDelivery(delivery: ReportDelivery) {
  configuredDelivery = delivery;
}

/** The configured delivery, or the one the environment describes (log transport by default). */
function deliveryFor(deps: JobDeps): ReportDelivery {
  if (configuredDelivery) return configuredDelivery;
  const env = loadConfig();
  return {
    transport: createEmailTransport({
      kind: env.CANOPY_EMAIL_TRANSPORT,
      outboxDir: path.join(canopyHome(env), "outbox"),
      log: deps.log,
    }),
    from: env.CANOPY_EMAIL_FROM,
    publicUrl: env.CANOPY_PUBLIC_URL ?? `http://localhost:${env.PORT}`,
  };
}

/**
 * Generates (or recomputes) one organization's report for a period: a draft, or, after a locked
 * version whose figures have changed, a new draft version with the diff. With `notify`, emails the
 * organization's owner, admin and finance members a link to it.
 */
export const generateReportJob = defineJob({
  name: "generate-report",
  payload: z.object({
    tenantId: z.uuid(),
    /** YYYY-MM, YYYY-Qn or YYYY. */
    period: z.string().min(4).max(7),
    /** The boundary; omitted = every account of the organization. */
    cloudAccountIds: z.array(z.uuid()).max(500).nullable().optional(),
    requestedByUserId: z.uuid().optional(),
    notify: z.boolean().default(false),
    /** Skip when the series already has a version (the scheduler's catch-up runs). */
    onlyIfMissing: z.boolean().default(false),
  }),
  options: { attempts: 3, backoffMs: 30_000, concurrency: 1 },
  async process(payload, deps) {
    let period;
    try {
      period = parsePeriod(payload.period);
    } catch (error) {
      if (error instanceof InvalidPeriodError) throw new PermanentJobError(error.message);
      throw error;
    }
    const organization = await withTenantClient(deps.app, payload.tenantId, async (client) => {
      const result = await client.query<{ name: string; reports: number }>(
        `SELECT name, (SELECT count(*)::int FROM reports WHERE period_start = $1::date AND period_end = $2::date
                        AND boundary_key = 'all') AS reports FROM tenants`,
        [period.start, period.end],
      );
      return result.rows[0];
    });
    if (!organization)
      throw new PermanentJobError(`Organization ${payload.tenantId} does not exist`);
    if (payload.onlyIfMissing && !payload.cloudAccountIds && organization.reports > 0) {
      return { skipped: "a report for this period exists" };
    }
    const actor = {
      userId: payload.requestedByUserId ?? null,
      role: "system" as const,
      label: "scheduler",
    };
    let result;
    try {
      result = await generateReport(
        deps.app,
        payload.tenantId,
        { period, cloudAccountIds: payload.cloudAccountIds ?? null },
        actor,
      );
    } catch (error) {
      if (error instanceof ReportInputError || error instanceof RangeError)
        throw new PermanentJobError(error.message);
      throw error;
    }
    const { report } = result;
    let emailed = 0;
    if (payload.notify && report.status === "draft") {
      const recipients = await reportRecipients(deps.owner, payload.tenantId);
      if (recipients.length) {
        const delivery = deliveryFor(deps);
        const { model } = await getReport(deps.app, payload.tenantId, report.id, actor);
        await delivery.transport.send(
          reportReadyEmail({
            from: delivery.from,
            to: recipients,
            organizationName: organization.name,
            report,
            publicUrl: delivery.publicUrl,
            scope3LocationKg: model.content.customerView.scope3Category1LocationKg,
          }),
        );
        emailed = recipients.length;
      }
    }
    return {
      reportId: report.id,
      version: report.version,
      status: report.status,
      created: result.created,
      emailed,
    };
  },
});

/**
 * Daily: from the configured day of the month on, queues the previous month's report for every
 * organization that has emissions for it and no report yet (with an email), and regenerates locked
 * series whose rollups have changed since (a new draft version with the diff; the locked one stays).
 */
export const scheduleReports = defineJob({
  name: "schedule-reports",
  payload: z.object({
    dayOfMonth: z.number().int().min(1).max(28),
    now: z.iso.datetime().optional(),
  }),
  options: { attempts: 3, backoffMs: 60_000, concurrency: 1 },
  async process(payload, deps) {
    const now = payload.now ? new Date(payload.now) : new Date();
    const due = await dueMonthlyReports(deps.owner, now, payload.dayOfMonth);
    for (const { tenantId, period } of due) {
      await deps.enqueue(
        "generate-report",
        { tenantId, period, notify: true, onlyIfMissing: true },
        { jobId: `report:${tenantId}:${period}:scheduled` },
      );
    }
    const stale = await staleLockedSeries(deps.owner);
    for (const series of stale) {
      await deps.enqueue(
        "generate-report",
        {
          tenantId: series.tenantId,
          period: series.period,
          cloudAccountIds: series.cloudAccountIds,
        },
        {
          jobId: `report:${series.tenantId}:${series.period}:${boundaryKeyOf(series.cloudAccountIds)}:refresh`,
        },
      );
    }
    return { scheduled: due.length, refreshed: stale.length };
  },
});

const DAY_MS = 24 * 3600 * 1000;

/**
 * Registers the daily report schedule on a driver (call at worker start, after startWorkers):
 * `await registerReportSchedule(driver, { dayOfMonth: env.CANOPY_REPORT_DAY_OF_MONTH })`.
 */
export async function registerReportSchedule(
  driver: QueueDriver,
  options: { dayOfMonth: number },
): Promise<void> {
  await driver.schedule(
    "reports-daily",
    "schedule-reports",
    { dayOfMonth: options.dayOfMonth },
    { everyMs: DAY_MS },
  );
}
