import { z } from "zod";
import { parseStoredJson, StoredJsonError } from "./parse";

/** alerts.details of a spike (the detect-alerts job of @canopy/jobs): how far the day is from its baseline. */
export const spikeAlertDetailsSchema = z.object({
  /** Robust z-score of the day against its seasonal baseline. */
  score: z.number(),
  spreadKg: z.number(),
  /** The day's kg above the baseline. */
  excessKg: z.number(),
});
export type SpikeAlertDetails = z.infer<typeof spikeAlertDetailsSchema>;

/** alerts.details of a budget (the detect-alerts job): the period and the forecast that passed it. */
export const budgetAlertDetailsSchema = z.object({
  status: z.enum(["forecast_over", "over"]),
  budgetName: z.string(),
  /** The budget's period, [periodStart, periodEnd) as YYYY-MM-DD. */
  periodStart: z.string(),
  periodEnd: z.string(),
  actualKg: z.number(),
  forecastKg: z.number(),
  forecastLowKg: z.number(),
  forecastHighKg: z.number(),
  daysElapsed: z.number(),
  daysInPeriod: z.number(),
});
export type BudgetAlertDetails = z.infer<typeof budgetAlertDetailsSchema>;

/** An alert's kind with the details of that kind (alerts.kind decides the shape of alerts.details). */
export type AlertKindDetails =
  { kind: "spike"; details: SpikeAlertDetails } | { kind: "budget"; details: BudgetAlertDetails };

/** Any alert's details, for the API's description of an alert. */
export const alertDetailsSchema = z.union([spikeAlertDetailsSchema, budgetAlertDetailsSchema]);
export type AlertDetails = z.infer<typeof alertDetailsSchema>;

/** The stored details of alert `alertId`, parsed with its kind's schema. */
export function parseAlertDetails(
  kind: string,
  details: unknown,
  alertId: string,
): AlertKindDetails {
  const what = `alerts.details of ${kind} alert ${alertId}`;
  if (kind === "spike")
    return { kind, details: parseStoredJson(spikeAlertDetailsSchema, details, what) };
  if (kind === "budget")
    return { kind, details: parseStoredJson(budgetAlertDetailsSchema, details, what) };
  throw new StoredJsonError(`${what}: no schema for the kind "${kind}"`);
}
