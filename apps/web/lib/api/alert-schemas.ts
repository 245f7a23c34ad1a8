import { alertDetailsSchema } from "@canopy/db/json";
import { z } from "zod";

/** Schemas of the alerts, budgets, webhooks, targets and carbon-efficiency endpoints. */

const basis = z.enum(["location", "market"]);
const scopeType = z.enum(["organization", "account", "service", "tag"]);
const isoDay = z
  .string()
  .regex(
    /^(19[7-9]\d|20\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
    "A day as YYYY-MM-DD (1970–2099).",
  );
const isoMonth = z
  .string()
  .regex(/^(19[7-9]\d|20\d\d)-(0[1-9]|1[0-2])$/, "A month as YYYY-MM (1970–2099).");
/** Text without control characters (PostgreSQL refuses NUL; the others have no business in a name). */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "Must not be empty.")
    .max(max, `At most ${max} characters.`)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, "Must not contain control characters.");

export const alertSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(["spike", "budget"]),
    scopeType,
    scopeKey: z
      .string()
      .describe('Account id, service, "key=value" of a tag; "" for the organization.'),
    scopeLabel: z.string(),
    basis,
    day: isoDay,
    co2eKg: z
      .number()
      .describe("Spike: the day's kg CO2e. Budget: the forecast or actual of the period."),
    baselineCo2eKg: z.number().describe("Spike: the seasonal baseline. Budget: the budget."),
    budgetId: z.uuid().nullable(),
    headline: z.string(),
    details: alertDetailsSchema.describe(
      "Spike: score, spreadKg, excessKg. Budget: status, budgetName, the period and its forecast.",
    ),
    status: z.enum(["open", "acknowledged", "muted"]),
    acknowledgedAt: z.string().nullable(),
    createdAt: z.string(),
    deliveries: z.array(
      z.object({
        channel: z.string(),
        target: z.string(),
        status: z.string(),
        attempts: z.number(),
      }),
    ),
  })
  .meta({ id: "Alert" });

export const alertListQuerySchema = z.object({
  status: z.enum(["open", "acknowledged", "muted"]).optional(),
  kind: z.enum(["spike", "budget"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const alertListSchema = z
  .object({
    items: z.array(alertSchema),
    mutes: z.array(
      z.object({
        id: z.uuid(),
        kind: z.string(),
        scopeType,
        scopeKey: z.string(),
        until: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
  })
  .meta({ id: "AlertList" });

export const muteBodySchema = z
  .object({
    days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .nullable()
      .default(null)
      .describe("Mute this kind of alert for this scope for so many days; null: until unmuted."),
  })
  .meta({ id: "AlertMuteRequest" });
export const muteSchema = alertListSchema.shape.mutes.element.meta({ id: "AlertMute" });

export const deliverySchema = z
  .object({
    id: z.uuid(),
    alertId: z.uuid(),
    channel: z.enum(["email", "webhook"]),
    webhookId: z.uuid().nullable(),
    target: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    log: z.array(z.record(z.string(), z.unknown())),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "AlertDelivery" });
export const deliveryListSchema = z.object({ items: z.array(deliverySchema) });

// --- Budgets ---

const forecastSchema = z.object({
  actualKg: z.number(),
  remainingKg: z.number(),
  forecastKg: z.number(),
  lowKg: z.number(),
  highKg: z.number(),
  slopeKgPerDay: z.number(),
  method: z.enum(["linear", "flat", "none"]),
});

export const budgetCreateSchema = z
  .object({
    name: text(100),
    tagKey: text(128).nullable().default(null),
    tagValue: text(256).nullable().default(null),
    period: z.enum(["month", "quarter", "year"]).default("month"),
    basis: basis.default("location"),
    budgetCo2eKg: z.number().positive("A budget above 0 kg CO2e.").max(1e12),
  })
  .refine((b) => (b.tagKey === null) === (b.tagValue === null), {
    message: "Give both tagKey and tagValue (a tag budget) or neither (the organization).",
    path: ["tagValue"],
  })
  .meta({ id: "BudgetCreate" });
export const budgetPatchSchema = z
  .object({
    name: text(100).optional(),
    period: z.enum(["month", "quarter", "year"]).optional(),
    basis: basis.optional(),
    budgetCo2eKg: z.number().positive().max(1e12).optional(),
  })
  .meta({ id: "BudgetPatch" });
export const budgetSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    tagKey: z.string().nullable(),
    tagValue: z.string().nullable(),
    period: z.enum(["month", "quarter", "year"]),
    basis,
    budgetCo2eKg: z.number(),
    createdAt: z.string(),
    evaluation: z.object({
      periodStart: isoDay,
      periodEnd: isoDay,
      daysElapsed: z.number(),
      daysInPeriod: z.number(),
      status: z.enum(["within", "forecast_over", "over"]),
      forecastShare: z.number(),
      forecast: forecastSchema,
    }),
  })
  .meta({ id: "Budget" });
export const budgetListSchema = z
  .object({ items: z.array(budgetSchema) })
  .meta({ id: "BudgetList" });

// --- Webhooks ---

export const webhookCreateSchema = z
  .object({
    name: text(100),
    url: z.string().trim().url("A URL, https:// (http:// only to localhost)."),
    secret: z
      .string()
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u001f\u007f]*$/, "Must not contain control characters.")
      .min(16, "At least 16 characters.")
      .max(256)
      .optional()
      .describe(
        "The signing secret; omitted: Canopy generates one. Returned only in this response.",
      ),
  })
  .meta({ id: "WebhookCreate" });
export const webhookPatchSchema = z
  .object({
    name: text(100).optional(),
    url: z.string().trim().url().optional(),
    enabled: z.boolean().optional(),
  })
  .meta({ id: "WebhookPatch" });
export const webhookSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    url: z.string(),
    enabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: "Webhook" });
export const webhookCreatedSchema = webhookSchema
  .extend({ secret: z.string().describe("The signing secret: shown once, store it now.") })
  .meta({ id: "WebhookCreated" });
export const webhookListSchema = z.object({ items: z.array(webhookSchema) });

// --- Targets ---

export const targetSetSchema = z
  .object({
    basis: basis.default("location"),
    baseYear: z.number().int().min(2000).max(2100),
    targetYear: z.number().int().min(2001).max(2100),
    reductionPercent: z.number().gt(0).max(100).optional(),
    preset: z
      .enum(["sbti-1.5c-linear"])
      .nullable()
      .optional()
      .describe(
        "sbti-1.5c-linear: 4.2 % a year of the base year, linear (reductionPercent is computed).",
      ),
  })
  .refine((t) => t.targetYear > t.baseYear, {
    message: "The target year must come after the base year.",
    path: ["targetYear"],
  })
  .refine((t) => t.preset || t.reductionPercent !== undefined, {
    message: "Give reductionPercent, or preset sbti-1.5c-linear.",
    path: ["reductionPercent"],
  })
  .meta({ id: "TargetSet" });

export const targetProgressSchema = z
  .object({
    target: z.object({
      id: z.uuid(),
      basis,
      baseYear: z.number(),
      targetYear: z.number(),
      reductionPercent: z.number(),
      preset: z.string().nullable(),
      updatedAt: z.string(),
    }),
    progress: z.object({
      year: z.number(),
      baseYearKg: z.number(),
      pathwayKg: z.number(),
      targetKg: z.number(),
      yearToDateKg: z.number(),
      forecastKg: z.number(),
      forecastLowKg: z.number(),
      forecastHighKg: z.number(),
      forecastReductionPercent: z.number().nullable(),
      requiredReductionPercent: z.number(),
      status: z.enum(["on_track", "at_risk", "off_track", "no_base_year_data"]),
    }),
    forecastMethod: z.enum(["linear", "flat", "none"]),
  })
  .meta({ id: "TargetProgress" });
export const targetListSchema = z
  .object({ items: z.array(targetProgressSchema) })
  .meta({ id: "TargetList" });
export const targetQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
});
export const basisParamSchema = z.object({ basis });

// --- Efficiency and functional units ---

export const efficiencyQuerySchema = z.object({
  from: isoMonth.optional().describe("First month (default: 12 months ago)."),
  to: isoMonth.optional().describe("Last month, included (default: this month)."),
});
const functionalUnitSchema = z.object({
  tagKey: text(128).describe("The workload: a tag key …"),
  tagValue: text(256).describe("… and its value (usage tagged key=value)."),
  periodStart: isoDay,
  periodEnd: isoDay.describe("Exclusive."),
  unitName: text(64).describe("requests, users, tokens, transactions, …"),
  unitCount: z.number().positive().max(1e18),
});
export const functionalUnitsPostSchema = z
  .object({ items: z.array(functionalUnitSchema).min(1).max(1000) })
  .meta({ id: "FunctionalUnitsPost" });
export const sciPointSchema = functionalUnitSchema
  .extend({
    id: z.uuid(),
    kwhFacility: z.number(),
    gridIntensityGPerKwh: z.number(),
    embodiedKg: z.number(),
    sciKgPerUnit: z.number().describe("kg CO2e per functional unit (ISO/IEC 21031:2024)."),
  })
  .meta({ id: "SciPoint" });
export const sciListSchema = z.object({ items: z.array(sciPointSchema) }).meta({ id: "SciList" });
export const functionalUnitsQuerySchema = z.object({
  tagKey: text(128).optional(),
  tagValue: text(256).optional(),
});

export const efficiencySchema = z
  .object({
    months: z.array(
      z.object({
        month: isoMonth,
        currency: z.string(),
        co2eKg: z.number(),
        costCoveredAmount: z.number(),
        kgCo2ePer1000: z.number().nullable(),
      }),
    ),
    sci: z.array(sciPointSchema),
  })
  .meta({ id: "CarbonEfficiency" });
