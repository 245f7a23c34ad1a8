import { z } from "zod";
import { defaultWindowHours, maxWindowHours } from "@/lib/regions/profile";
import { providers } from "@canopy/methodology/providers";

export const regionParamsSchema = z.object({
  provider: z.enum(providers),
  region: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, "A region name such as eu-west-2 or westeurope."),
});

export const intensityProfileQuerySchema = z.object({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(maxWindowHours)
    .default(defaultWindowHours)
    .describe(`Length of the shiftable-work window in hours (default ${defaultWindowHours}).`),
});

const cellSchema = z.object({
  month: z.string().describe("YYYY-MM"),
  hourOfDay: z.number().int().min(0).max(23).describe("UTC hour of day."),
  meanGPerKwh: z.number().describe("Mean grid intensity of that hour over the month, gCO2e/kWh."),
  hours: z.number().int().describe("Hours of data behind the mean."),
});

const bestWindowSchema = z.object({
  month: z.string(),
  startHour: z.number().int(),
  endHour: z.number().int().describe("The hour after the window's last, modulo 24 (UTC)."),
  hours: z.number().int(),
  meanGPerKwh: z.number(),
  dayMeanGPerKwh: z.number(),
  reductionShare: z.number().describe("1 − window mean ÷ day mean."),
});

export const intensityProfileResponseSchema = z.object({
  provider: z.enum(providers),
  region: z.string(),
  gridZone: z.string().nullable().describe("Electricity Maps zone key of the region (data pack)."),
  boundary: z
    .enum(["direct", "lifecycle"])
    .nullable()
    .describe(
      "Emission-factor boundary of the hourly values (lifecycle where stored, else direct).",
    ),
  from: z.string().nullable(),
  to: z.string().nullable(),
  cells: z.array(cellSchema).describe("Hour of day × month, the last 12 months with hourly data."),
  windowHours: z.number().int(),
  bestWindows: z
    .array(bestWindowSchema)
    .describe(
      "Per month, the lowest-intensity run of `windowHours` consecutive hours (wrapping past midnight); months missing an hour of the day have none.",
    ),
  sources: z.array(
    z.object({
      source: z.string(),
      hours: z.number().int(),
      licence: z.string().nullable(),
      attribution: z.string().nullable(),
      url: z.string().nullable(),
    }),
  ),
  annual: z
    .object({ gCo2ePerKwh: z.number(), boundary: z.string(), source: z.string() })
    .describe("The annual factor estimation uses for hours without an hourly value."),
  failingSources: z.array(
    z.object({
      source: z.string(),
      at: z.string(),
      message: z.string(),
      retryable: z.boolean(),
    }),
  ),
  marginal: z
    .object({
      region: z.string().describe("WattTime region id, e.g. CAISO_NORTH."),
      source: z.string(),
      modelVersion: z.string(),
      licence: z.string().nullable(),
      attribution: z.string().nullable(),
      url: z.string().nullable(),
      bestWindows: z
        .array(bestWindowSchema)
        .describe("As bestWindows, by the marginal rate (gCO2/kWh, CO2 only)."),
    })
    .nullable()
    .describe(
      "Best windows by WattTime's marginal operating emission rate (co2_moer) where stored: time-shifting advice only, never used in the inventory. Null without WattTime data.",
    ),
});
