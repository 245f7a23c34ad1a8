import path from "node:path";
import { z } from "zod";
import { canopyHome, loadConfig } from "@canopy/config";
import { organizationReportsForPeriod, withTenantClient } from "@canopy/db";
import {
  boundaryKeyOf,
  createEmailTransport,
  dueMonthlyReports,
  EmailDeliveryError,
  generateReport,
  getReport,
  InvalidPeriodError,
  parsePeriod,
  reportReadyEmail,
  reportRecipients,
  ReportInputError,
  staleLockedSeries,
  type EmailMessage,
  type EmailSendResult,
  type EmailTransport,
} from "@canopy/reports";
import { defineJob, type JobContext, type JobDeps, type QueueDriver } from "../contract";
import { PermanentJobError } from "../errors";

/** How report emails leave and where their links point (createJobHost's `reportDelivery`). */
export type ReportDelivery = { transport: EmailTransport; from: string; publicUrl: string };

/** The host's delivery, or the one the environment describes (log transport by default). */
export function deliveryFor(deps: Pick<JobDeps, "log" | "reportDelivery">): ReportDelivery {
  if (deps.reportDelivery) return deps.reportDelivery;
  const env = loadConfig();
  return {
    transport: createEmailTransport({
      kind: env.CANOPY_EMAIL_TRANSPORT,
      outboxDir: path.join(canopyHome(env), "outbox"),
      smtpUrl: env.CANOPY_SMTP_URL,
      log: deps.log,
    }),
    from: env.CANOPY_EMAIL_FROM,
    publicUrl: env.CANOPY_PUBLIC_URL ?? `http://localhost:${env.PORT}`,
  };
}

/**
 * Sends a report email and says who got it. A temporary failure (SMTP 4xx, server unreachable,
 * timeout) is rethrown as it is, so the job retries with its attempts and backoff; a permanent one
 * (SMTP 5xx: every recipient refused, login refused, TLS refused) becomes a PermanentJobError: logged,
 * the job fails at once with the reason and is not retried (the report itself stays generated).
 * Recipients refused while others were accepted are returned (and logged by the transport): retrying
 * would only send the others a second copy.
 */
export async function sendReportEmail(
  transport: EmailTransport,
  message: EmailMessage,
  log: (line: string) => void,
  context: Pick<JobContext, "attempt" | "attempts" | "isLastAttempt"> & { reportId: string },
): Promise<EmailSendResult> {
  try {
    return (await transport.send(message)) ?? { accepted: message.to, rejected: [] };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof EmailDeliveryError && error.permanent) {
      log(
        `generate-report ${context.reportId}: report email refused, not retrying (${transport.kind}): ${reason}`,
      );
      throw new PermanentJobError(
        `Report ${context.reportId} generated, but its email was refused: ${reason}`,
      );
    }
    const next = !context.isLastAttempt
      ? `will retry (attempt ${context.attempt} of ${context.attempts})`
      : `giving up after ${context.attempts} attempts`;
    log(
      `generate-report ${context.reportId}: report email not sent, ${next} (${transport.kind}): ${reason}`,
    );
    throw error;
  }
}

/**
 * Generates (or recomputes) one organization's report for a period: a draft, or, after a locked
 * version whose figures have changed, a new draft version with the diff. With `notify`, emails the
 * organization's owner, admin and finance members a link to it (a temporary mail failure retries the
 * job, which recomputes the same draft and sends again; a permanent one fails it without retrying).
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
  async process(payload, deps, context) {
    let period;
    try {
      period = parsePeriod(payload.period);
    } catch (error) {
      if (error instanceof InvalidPeriodError) throw new PermanentJobError(error.message);
      throw error;
    }
    const organization = await withTenantClient(deps.app, payload.tenantId, (client) =>
      organizationReportsForPeriod(client, period),
    );
    if (!organization)
      throw new PermanentJobError(`Organization ${payload.tenantId} does not exist`);
    // A retry (attempt > 1) finds the report its first attempt made: go on, so its email still goes out.
    if (
      payload.onlyIfMissing &&
      context.attempt === 1 &&
      !payload.cloudAccountIds &&
      organization.reports > 0
    ) {
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
    let refused: string[] = [];
    if (payload.notify && report.status === "draft") {
      const recipients = await reportRecipients(deps.owner, payload.tenantId);
      if (recipients.length) {
        const delivery = deliveryFor(deps);
        const { model } = await getReport(deps.app, payload.tenantId, report.id, actor);
        const sent = await sendReportEmail(
          delivery.transport,
          reportReadyEmail({
            from: delivery.from,
            to: recipients,
            organizationName: organization.name,
            report,
            publicUrl: delivery.publicUrl,
            scope3LocationKg: model.content.customerView.scope3Category1LocationKg,
          }),
          deps.log,
          { ...context, reportId: report.id },
        );
        emailed = sent.accepted.length;
        refused = sent.rejected;
      }
    }
    return {
      reportId: report.id,
      version: report.version,
      status: report.status,
      created: result.created,
      emailed,
      /** Recipients the mail server refused for good (the others got the email). */
      refused,
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
