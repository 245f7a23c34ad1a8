"use server";
import { z } from "zod";
import { finalizeReport } from "@canopy/reports";
import { reportGenerateBodySchema } from "@/lib/api/schemas";
import { withTenantAction } from "@/lib/server/action";
import { appDb } from "@/lib/server/db";
import { generateReportDraft, reportActor, reportCall } from "@/lib/server/reports";

/**
 * "Generate" (the same input and logic as `POST /api/v1/reports`): computes the draft of a period
 * for all accounts or the chosen ones (or, after a locked version, a new draft version when the
 * figures changed). It runs here rather than through the `generate-report` job: the job records no
 * state the page could poll (the queue exposes no job status and the report row only appears once it
 * is computed), a year takes seconds, not minutes, and downloading a draft recomputes it in the
 * request anyway.
 */
export const generateReportAction = withTenantAction(
  reportGenerateBodySchema,
  async (input, ctx) => {
    const { report, created } = await generateReportDraft(ctx.principal, input);
    return { reportId: report.id, version: report.version, status: report.status, created };
  },
  { permission: "reports.generate" },
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
  { permission: "reports.generate" },
);
