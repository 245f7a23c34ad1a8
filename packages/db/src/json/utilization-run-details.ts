import { z } from "zod";

/**
 * utilization_runs.details, written by the sync-utilization job of @canopy/jobs: the job that owns
 * the run (a retried attempt takes its run back by this id) and, once it ended, provider API calls by
 * action and resources left out by reason. Never credentials.
 */
export const utilizationRunDetailsSchema = z.object({
  jobId: z.string(),
  apiCalls: z.record(z.string(), z.number()).optional(),
  /** Resources that got no measured hour, by reason ("no datapoints", "not a VM"…). */
  skipped: z.record(z.string(), z.number()).optional(),
});
export type UtilizationRunDetails = z.infer<typeof utilizationRunDetailsSchema>;
