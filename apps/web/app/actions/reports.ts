"use server";
import { z } from "zod";
import { finalizeReport, generateReport, InvalidPeriodError, parsePeriod } from "@canopy/reports";
import { withTenantAction } from "@/lib/server/action";
import { appDb } from "@/lib/server/db";
import { reportActor, reportCall } from "@/lib/server/reports";

const periodField = z
  .string()
  .trim()
  .refine((text) => {
    try {
      parsePeriod(text);
      return true;
    } catch (error) {
      if (error instanceof InvalidPeriodError) return false;
      throw error;
    }
  }, "Choose a month (YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY).");

/**
 * "Generate": computes the draft of a period for all accounts or the chosen ones (or, after a locked
 * version, a new draft version when the figures changed). It runs here rather than through the
 * `generate-report` job: the job records no state the page could poll (the queue exposes no job
 * status and the report row only appears once it is computed), a year takes seconds, not minutes, and
 * downloading a draft recomputes it in the request anyway.
 */
export const generateReportAction = withTenantAction(
  z.object({
    period: periodField,
    cloudAccountIds: z
      .array(z.uuid("Not a valid account id."))
      .max(500)
      .optional()
      .transform((ids) => (ids && ids.length ? ids : null)),
  }),
  async (input, ctx) => {
    const result = await reportCall(() =>
      generateReport(
        appDb(),
        ctx.principal.tenantId,
        { period: parsePeriod(input.period), cloudAccountIds: input.cloudAccountIds },
        reportActor(ctx.principal),
      ),
    );
    return {
      reportId: result.report.id,
      version: result.report.version,
      status: result.report.status,
      created: result.created,
    };
  },
  { role: "viewer" },
);

/**
 * "Finalize": locks the version the reviewer saw (its content SHA-256). Owner, admin and finance only;
 * @canopy/reports refuses everyone else, and the audit entry is written with the lock.
 */
export const finalizeReportAction = withTenantAction(
  z.object({
    reportId: z.uuid("Not a valid report id."),
    expectedContentSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "Not a SHA-256 (64 lowercase hex digits)."),
  }),
  async (input, ctx) => {
    const report = await reportCall(() =>
      finalizeReport(appDb(), ctx.principal.tenantId, input.reportId, reportActor(ctx.principal), {
        expectedContentSha256: input.expectedContentSha256,
      }),
    );
    return {
      reportId: report.id,
      version: report.version,
      status: report.status,
      contentSha256: report.contentSha256,
      finalizedAt: report.finalizedAt,
    };
  },
  { role: "viewer" },
);
