import { z } from "zod";

const isoDateTime = z.string().describe("ISO 8601 timestamp (UTC)");

export const findingStateSchema = z.enum(["open", "accepted", "dismissed", "done"]);
const ruleIdSchema = z
  .enum([
    "region-move-same-provider",
    "region-move-cross-provider",
    "previous-generation",
    "unattached-volumes",
    "old-snapshots",
    "storage-lifecycle",
    "time-shifting",
  ])
  .describe("The rule that produced the finding (docs/methodology.md §20).");

export const recommendationQuerySchema = z.object({
  state: findingStateSchema.optional(),
  rule: ruleIdSchema.optional(),
  includeRetired: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .describe("Also list findings the latest run no longer produced (their usage is gone)."),
});

const measureScopeSchema = z.object({
  cloudAccountIds: z.array(z.string()),
  services: z.array(z.string()),
  regions: z.array(z.string()),
  kinds: z.array(z.string()),
  instanceTypes: z.array(z.string()),
});

export const findingSchema = z
  .object({
    id: z.uuid(),
    ruleId: z.string(),
    resourceKey: z.string(),
    resources: z
      .record(z.string(), z.unknown())
      .describe("The resources concerned, as stored in usage_hourly."),
    action: z.string(),
    howTo: z.string(),
    co2eLocationSavedKgPerMonth: z
      .number()
      .describe("Location-based CO2e saved per average month (730.5 h), kg."),
    co2eMarketSavedKgPerMonth: z
      .number()
      .describe("Market-based CO2e saved per average month, kg."),
    waterSavedLPerMonth: z.number(),
    costDeltaAmountPerMonth: z
      .number()
      .nullable()
      .describe(
        "Monthly cost change (negative = cheaper); null when no price is known (see costNote).",
      ),
    costCurrency: z.string().nullable(),
    costNote: z.string().nullable(),
    confidence: z.enum(["high", "medium", "low"]),
    confidenceReason: z.string(),
    basisMonth: z.string().describe("Month whose usage the figures come from, YYYY-MM-01."),
    basisCo2eLocationKgPerMonth: z.number(),
    basisCo2eMarketKgPerMonth: z.number(),
    methodologyVersion: z.string(),
    measureScope: measureScopeSchema,
    details: z.record(z.string(), z.unknown()),
    state: findingStateSchema,
    stateReason: z.string().nullable(),
    stateChangedAt: isoDateTime.nullable(),
    stateChangedBy: z.string().nullable(),
    doneAt: isoDateTime.nullable(),
    realized: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe(
        "For done findings: the saving measured from emissions after doneAt (methodology §20.8).",
      ),
    current: z.boolean(),
    computedAt: isoDateTime,
    createdAt: isoDateTime,
  })
  .meta({ id: "RecommendationFinding" });

export const recommendationListSchema = z.object({
  items: z.array(findingSchema),
  rules: z.array(z.object({ id: z.string(), label: z.string() })),
});

export const findingStateChangeSchema = z
  .object({
    state: findingStateSchema,
    reason: z.string().max(500).optional().describe("Required for dismissed."),
    doneAt: z.coerce
      .date()
      .optional()
      .describe("For done: when the action was taken (default now)."),
  })
  .refine((v) => v.state !== "dismissed" || (v.reason ?? "").trim().length > 0, {
    message: "Dismissing needs a reason.",
    path: ["reason"],
  });

export const recomputeResponseSchema = z.object({ jobId: z.string() });

const codeList = (pattern: RegExp, what: string) =>
  z
    .array(z.string().trim().toUpperCase().regex(pattern, `Not ${what}.`))
    .max(60)
    .nullable();

export const recommendationSettingsSchema = z
  .object({
    allowedContinents: codeList(
      /^(AF|AS|EU|NA|OC|SA)$/,
      "a continent code (AF, AS, EU, NA, OC, SA)",
    ).describe("Continents a workload may move to; null = any."),
    allowedJurisdictions: codeList(
      /^[A-Z]{2}$/,
      "an ISO 3166-1 alpha-2 country code or EU",
    ).describe("Countries (ISO 3166-1 alpha-2) or EU a workload may move to; null = any."),
    residencyTagKey: z
      .string()
      .trim()
      .max(128)
      .nullable()
      .describe("Tag key whose value (a country code or EU) pins a workload's data residency."),
  })
  .meta({ id: "RecommendationSettings" });
