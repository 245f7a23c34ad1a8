import { z } from "zod";

/**
 * The jsonb columns of recommendation_findings, written by the recommendations job of @canopy/jobs
 * and read by the web app (recommendations API and page) through the findings store.
 */

/**
 * measure_scope: the emissions_hourly rows a finding concerns. Regions compare without case and
 * spaces (Azure bills "EastUS", the data pack says "eastus"); an empty list means any.
 */
export const measureScopeSchema = z.object({
  cloudAccountIds: z.array(z.string()),
  services: z.array(z.string()),
  regions: z.array(z.string()),
  kinds: z.array(z.string()),
  instanceTypes: z.array(z.string()),
});
export type MeasureScope = z.infer<typeof measureScopeSchema>;

/**
 * resources and details: what each rule found, in that rule's own terms (the instances and their
 * sizes, the idle hours, the region pair…). Free-form on purpose: every rule shapes its own, and
 * the page and API show them as they are. An object keyed by name.
 */
export const findingEvidenceSchema = z.record(z.string(), z.unknown());
export type FindingEvidence = z.infer<typeof findingEvidenceSchema>;

const realizedCommonSchema = z.object({
  measuredAt: z.string(),
  hoursBefore: z.number(),
  hoursAfter: z.number(),
  formula: z.string(),
});

/** realized: a done finding's saving measured from the emissions after done_at (methodology §20.8). */
export const realizedSavingSchema = z.discriminatedUnion("status", [
  realizedCommonSchema.extend({ status: z.literal("waiting"), reason: z.string() }),
  realizedCommonSchema.extend({
    status: z.literal("measured"),
    co2eLocationSavedKgPerMonth: z.number(),
    co2eMarketSavedKgPerMonth: z.number(),
    waterSavedLPerMonth: z.number(),
    basisCo2eLocationKgPerMonth: z.number(),
    afterCo2eLocationKgPerMonth: z.number(),
  }),
]);
export type RealizedSaving = z.infer<typeof realizedSavingSchema>;
