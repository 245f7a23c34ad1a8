import { z } from "zod";

/**
 * reports.parameters: what the organization asked a report to show besides the fixed sections
 * (@canopy/reports' ReportParameters is this type; its generate step checks the limits). Versions
 * stored before a field existed lack it: it reads as empty.
 */
export const reportParametersSchema = z.object({
  /** Tag keys to break emissions down by (cost centre, team, product…). */
  tagKeys: z.array(z.string()).default([]),
  /** Counts of the organization's functional units over the period, for SCI-style rates. */
  functionalUnits: z.array(z.object({ name: z.string(), count: z.number() })).default([]),
});
export type StoredReportParameters = z.output<typeof reportParametersSchema>;
/** What a row may hold (fields of later versions may be missing). */
export type StoredReportParametersInput = z.input<typeof reportParametersSchema>;
