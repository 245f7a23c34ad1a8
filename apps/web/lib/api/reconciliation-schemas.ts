import { z } from "zod";
import { providers } from "@canopy/methodology/providers";

const provider = z.enum(providers);
const basis = z
  .enum(["location", "market", "embodied"])
  .describe("Which Canopy figures the provider's figure is compared with (methodology.md 13).");
const month = z.string().describe("First day of the month, YYYY-MM-01.");

export const reconciliationQuerySchema = z.object({
  months: z.coerce
    .number()
    .int()
    .min(1)
    .max(36)
    .default(13)
    .describe("Months shown, up to the latest month with data (default 13)."),
});

export const calibrationPointSchema = z
  .object({
    provider,
    month,
    basis,
    label: z.string(),
    status: z
      .enum(["calibrated", "uncalibrated"])
      .describe("uncalibrated: no provider figure (or none with a Canopy estimate in its scope)."),
    factor: z
      .number()
      .nullable()
      .describe(
        "Provider total ÷ Canopy total for the same scope and basis; null when uncalibrated.",
      ),
    reportedKg: z.number(),
    canopyKg: z.number(),
    reportedUnmatchedKg: z
      .number()
      .describe("Provider figures whose scope holds no Canopy estimate (left out of the factor)."),
    reason: z.string().nullable(),
  })
  .meta({ id: "CalibrationPoint" });

const marketBasedSchema = z
  .object({
    provider,
    month,
    co2eMarketKg: z
      .number()
      .describe("Market-based: provider-reported where Canopy has it, else estimated."),
    co2eMarketReportedKg: z.number(),
    co2eMarketEstimatedKg: z.number(),
    replacedEstimateKg: z.number(),
    basis: z.enum(["provider-reported", "estimated", "provider-reported and estimated"]),
    label: z.string(),
  })
  .meta({ id: "MarketBasedMonth" });

const reconciliationRowSchema = z
  .object({
    provider,
    month,
    canopy: z
      .object({
        co2eLocationKg: z.number(),
        co2eMarketKg: z.number(),
        co2eEmbodiedKg: z.number(),
      })
      .nullable(),
    reported: z
      .object({
        co2eKg: z.number(),
        basis: z.string(),
        modelVersion: z.string().nullable(),
        scopes: z.record(z.string(), z.number()),
      })
      .nullable(),
    canopyComparableKg: z.number().nullable(),
    differenceKg: z.number().nullable(),
    differenceRatio: z.number().nullable(),
    comparisons: z.array(
      z.object({
        basis,
        label: z.string(),
        reportedKg: z.number(),
        canopyKg: z.number(),
        differenceKg: z.number(),
      }),
    ),
    calibration: z.array(calibrationPointSchema),
    marketBased: marketBasedSchema.nullable(),
    reasons: z.array(z.string()),
  })
  .meta({ id: "ReconciliationRow" });

export const reconciliationResponseSchema = z
  .object({
    from: month,
    to: month.describe("The month after the last one shown."),
    hasProviderFigures: z.boolean(),
    rows: z.array(reconciliationRowSchema),
    history: z
      .array(calibrationPointSchema)
      .describe("Calibration factor per provider, basis and month (oldest first)."),
  })
  .meta({ id: "Reconciliation" });

export const calibratedQuerySchema = z.object({
  month: z
    .string()
    .regex(/^20\d\d-(0[1-9]|1[0-2])$/, "Expected a month as YYYY-MM, from 2000 to 2099.")
    .describe("The month, YYYY-MM (2000–2099)."),
  granularity: z.enum(["hour", "day"]).default("day").describe("hour or day (default)."),
});

export const calibratedResponseSchema = z
  .object({
    month,
    granularity: z.enum(["hour", "day"]),
    points: z.array(
      z.object({
        period: z.string(),
        provider,
        basis,
        estimatedKg: z.number(),
        calibratedKg: z
          .number()
          .describe(
            "Scaled by the provider scope's factor; equal to estimatedKg where uncalibrated.",
          ),
        scaledEstimateKg: z.number(),
        status: z.enum(["calibrated", "partly calibrated", "uncalibrated"]),
      }),
    ),
  })
  .meta({ id: "CalibratedView" });
