import { z } from "zod";

/** Totals of account × month windows (emissions_monthly sums). */
export const windowEmissionTotalsSchema = z.object({
  kwhFacility: z.number(),
  kwhHourlyGrid: z.number(),
  co2eLocationKg: z.number(),
  co2eMarketKg: z.number(),
});
export type WindowEmissionTotals = z.infer<typeof windowEmissionTotalsSchema>;

/**
 * grid_intensity_loads.details.restatement: the re-estimation a load queued (@canopy/jobs'
 * queueGridRestatement), the restated windows' totals before, and after once every rollup ran.
 */
export const gridRestatementSchema = z.object({
  status: z.enum(["nothing to restate", "queued", "done"]),
  queuedAt: z.string(),
  completedAt: z.string().optional(),
  windows: z.number(),
  /** Windows whose rollup has not run yet, by "account/month" → tenant. */
  pending: z.record(z.string(), z.string()),
  before: windowEmissionTotalsSchema,
  after: windowEmissionTotalsSchema.nullable(),
  tenants: z.record(
    z.string(),
    z.object({
      windows: z.number(),
      before: windowEmissionTotalsSchema,
      after: windowEmissionTotalsSchema,
    }),
  ),
});
export type GridRestatement = z.infer<typeof gridRestatementSchema>;

/** A sync attempt that failed (source down, key refused): a load with no values and its error. */
export const gridLoadFailureSchema = z.object({
  status: z.literal("failed"),
  error: z.string(),
  /** Whether trying later can help (outage, throttling) or not (authentication, refusal). */
  retryable: z.boolean(),
});

/** grid_intensity_loads.details: a failed attempt, or a load with the restatement it queued. */
export const gridIntensityLoadDetailsSchema = z.union([
  gridLoadFailureSchema,
  z.object({ restatement: gridRestatementSchema.optional() }),
]);
export type GridIntensityLoadDetails = z.infer<typeof gridIntensityLoadDetailsSchema>;
