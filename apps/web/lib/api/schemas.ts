import { z } from "zod";
import {
  breakdownQuerySchema,
  filtersSchema,
  safeText,
  GROUP_BYS,
  GRANULARITIES,
  seriesQuerySchema,
} from "../emissions/params";
import type { ReportFormat } from "@canopy/reports";
import { ROLES } from "../role-rank";
import { billingFormats } from "@canopy/connectors";
import { importEstimatesStates } from "@canopy/jobs";
import { providers } from "@canopy/methodology/providers";

/** Request and response schemas of /api/v1. The OpenAPI document is generated from these. */

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe("Stable machine-readable code, e.g. validation_error, forbidden."),
      message: z.string(),
      fields: z.record(z.string(), z.array(z.string())).optional().describe("Messages by field."),
    }),
  })
  .meta({ id: "Error" });

const isoDateTime = z.string().describe("ISO 8601 timestamp (UTC)");
const day = z.string().describe("YYYY-MM-DD (UTC)");

export const marketBasisSchema = z
  .enum(["provider-reported", "estimated", "provider-reported and estimated"])
  .describe("The basis co2eMarketKg and co2eTotalMarketBasedKg use.");

/** The headlines of @canopy/methodology headlines.ts; the same definitions as the finance reports. */
export const measuresSchema = z
  .object({
    co2eLocationKg: z.number().describe("Electricity, location-based."),
    co2eMarketKg: z
      .number()
      .describe(
        "Electricity, market-based, in GHG Protocol Scope 2 precedence: the provider-reported market-based figure where Canopy has it (allocated by share of facility energy), else Canopy's estimate.",
      ),
    co2eMarketReportedKg: z.number().describe("The provider-reported part of co2eMarketKg."),
    marketBasis: marketBasisSchema,
    co2eEmbodiedKg: z.number().describe("Embodied hardware."),
    co2eSpendBasedKg: z
      .number()
      .describe("Spend-based estimate of usage without an energy model (USD lines only)."),
    co2eTotalKg: z
      .number()
      .describe("Total CO2e, location-based: electricity location-based + embodied + spend-based."),
    co2eTotalLowKg: z.number().describe("Low end of co2eTotalKg (sum of every line's low)."),
    co2eTotalHighKg: z.number().describe("High end of co2eTotalKg (sum of every line's high)."),
    co2eTotalMarketBasedKg: z
      .number()
      .describe("Total CO2e, market-based: electricity market-based + embodied + spend-based."),
    kwhFacility: z.number(),
    kwhHourlyGrid: z
      .number()
      .describe(
        "Facility kWh whose location-based CO2e used the hour's grid intensity; the rest used the annual factor.",
      ),
    kwhDisaggregated: z
      .number()
      .describe(
        "Facility kWh of usage billed per day or month, spread over its hours by a documented profile (disaggregated, not measured hourly usage).",
      ),
    shareHourlyGrid: z
      .number()
      .nullable()
      .describe(
        "Share of kWh on hourly grid factors: kwhHourlyGrid / kwhFacility; null without energy.",
      ),
    shareDisaggregated: z
      .number()
      .nullable()
      .describe("Share of kWh disaggregated: kwhDisaggregated / kwhFacility; null without energy."),
    waterL: z.number(),
    co2eOnDefaultsKg: z
      .number()
      .describe("CO2e (operational and embodied) whose inputs include a default factor."),
    costAmount: z
      .number()
      .describe(
        "Total cost = costCoveredAmount + costOutOfScopeAmount + costNotModelledAmount (per account and month, the invoice).",
      ),
    costCoveredAmount: z
      .number()
      .describe(
        "Cost covered by the estimate: costEstimatedAmount (usage with an energy model) + costSpendBasedAmount.",
      ),
    costEstimatedAmount: z.number().describe("Cost of usage with an energy model."),
    costSpendBasedAmount: z.number().describe("Cost estimated from spend."),
    costOutOfScopeAmount: z
      .number()
      .describe(
        "Cost out of scope: tax, credits, refunds, fees, commitments, support, marketplace, licences, corrections.",
      ),
    costNotModelledAmount: z
      .number()
      .describe(
        "Cost not modelled: in-scope cost without an estimate (usage without an energy model billed in a currency other than USD).",
      ),
  })
  .meta({ id: "Measures" });

const rangeSchema = z.object({ from: day, to: day });

export { breakdownQuerySchema, filtersSchema, seriesQuerySchema };

export const seriesResponseSchema = z
  .object({
    range: rangeSchema,
    granularity: z.enum(GRANULARITIES),
    groupBy: z.enum(GROUP_BYS),
    source: z
      .enum(["hourly", "daily", "monthly", "monthly+daily"])
      .describe("Table the points were read from."),
    groups: z.array(
      z.object({ key: z.string(), label: z.string(), provider: z.string().optional() }),
    ),
    points: z.array(measuresSchema.extend({ period: z.string(), group: z.string() })),
  })
  .meta({ id: "EmissionsSeries" });

export const breakdownResponseSchema = z
  .object({
    range: rangeSchema,
    groupBy: z.enum(GROUP_BYS),
    marketBasis: marketBasisSchema.describe(
      "The basis of the market-based figures over every group.",
    ),
    comparison: z
      .object({
        from: day,
        to: day,
        comparable: z.boolean(),
        reason: z.string().nullable(),
      })
      .describe(
        "The previous period of the same length, with the same filters. Not comparable when the organization's data starts after its first day or it has no emissions.",
      ),
    page: z.number().int(),
    limit: z.number().int(),
    totalItems: z.number().int(),
    items: z.array(
      measuresSchema.extend({
        key: z.string(),
        label: z.string(),
        provider: z.string().optional(),
        share: z.number().describe("Share of the range's total CO2e (0–1)."),
        previousCo2eTotalKg: z
          .number()
          .nullable()
          .describe("Total CO2e of the group in the previous period; null when not comparable."),
        changeShare: z
          .number()
          .nullable()
          .describe(
            "(current − previous) ÷ previous; null when not comparable or the group had no emissions before.",
          ),
        region: z
          .object({
            gridIntensityGPerKwh: z.number(),
            pue: z.number(),
            cfeShare: z.number(),
            quality: z.string(),
          })
          .optional()
          .describe("Site factors of the region (group-by region only)."),
      }),
    ),
  })
  .meta({ id: "EmissionsBreakdown" });

export const filterOptionsQuerySchema = filtersSchema.extend({
  tagKeys: z
    .enum(["true", "false"])
    .default("false")
    .describe("Also list the tag keys on the hourly rows in range (reads hourly rows)."),
  tagKey: safeText(1, 128)
    .optional()
    .describe("Also list the values of this tag key (the other keys' tag filters apply)."),
});

const filterOption = z.object({
  value: z.string().describe("The value to pass as the filter parameter."),
  label: z.string(),
  hint: z.string().optional(),
});

export const filterOptionsResponseSchema = z
  .object({
    range: rangeSchema,
    providers: z.array(filterOption),
    accounts: z.array(filterOption),
    services: z.array(filterOption),
    regions: z.array(filterOption),
    tagKeys: z.array(z.string()).nullable().describe("Null unless tagKeys=true."),
    tagValues: z.array(z.string()).nullable().describe("Null unless tagKey is given."),
  })
  .describe(
    "The values each filter can take: those with emissions in the range under every other filter (a filter's own selection stays listed).",
  )
  .meta({ id: "EmissionsFilterOptions" });

const monthFigure = z.object({ month: day, co2eTotalKg: z.number() });
export const summaryResponseSchema = z
  .object({
    range: rangeSchema,
    totals: measuresSchema,
    currency: z.string().nullable(),
    kgCo2ePer1000Currency: z
      .number()
      .nullable()
      .describe(
        "co2eTotalKg per 1,000 of totals.costCoveredAmount (cost covered by the estimate).",
      ),
    defaultsShare: z
      .number()
      .nullable()
      .describe(
        "Share on default factors: co2eOnDefaultsKg / co2eTotalKg; null without emissions.",
      ),
    spendBasedShare: z
      .number()
      .nullable()
      .describe("Share spend-based: co2eSpendBasedKg / co2eTotalKg; null without emissions."),
    hourlyGridShare: z
      .number()
      .nullable()
      .describe(
        "Share of kWh estimated with hourly grid factors: totals.kwhHourlyGrid / totals.kwhFacility; null without energy.",
      ),
    disaggregatedShare: z
      .number()
      .nullable()
      .describe(
        "Share of kWh from daily or monthly usage spread over its hours: totals.kwhDisaggregated / totals.kwhFacility.",
      ),
    hourlyCoverage: z
      .array(
        z.object({
          month: day.describe("First day of the month."),
          provider: z.string(),
          region: z.string(),
          kwhFacility: z.number(),
          kwhHourlyGrid: z.number(),
          kwhDisaggregated: z.number(),
          shareHourlyGrid: z.number().nullable(),
          shareDisaggregated: z.number().nullable(),
        }),
      )
      .describe("The same shares per month, provider and region (the report's coverage table)."),
    months: z.object({
      /** Set when the range ends inside its last month: every month is then summed over days 1–N. */
      throughDay: z.number().int().min(1).max(31).nullable(),
      current: monthFigure,
      previous: monthFigure,
      yearAgo: monthFigure,
    }),
  })
  .meta({ id: "EmissionsSummary" });

export const pageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const accountSchema = z
  .object({
    id: z.uuid(),
    provider: z.enum(providers),
    displayName: z.string(),
    providerAccountId: z.string(),
    status: z.enum(["pending", "active", "needs_attention", "disabled"]),
    scope: z.array(z.string()).nullable(),
    hasCredentials: z.boolean().describe("Credentials are stored encrypted and never returned."),
    externalId: z.string().nullable(),
    lastSyncAt: isoDateTime.nullable(),
    lastError: z.string().nullable(),
    parentAccountId: z
      .string()
      .nullable()
      .describe(
        "The parent the bill names: AWS payer account, Azure billing account or profile, GCP billing account.",
      ),
    sourcePrecedence: z
      .array(z.string())
      .nullable()
      .describe(
        "This account's order of source kinds, best first (for each day only the best source present counts); null: the default order.",
      ),
    createdAt: isoDateTime,
  })
  .meta({ id: "CloudAccount" });

export const accountUpdateSchema = z
  .object({
    sourcePrecedence: z
      .array(z.string())
      .min(1)
      .nullable()
      .describe(
        "Source kinds best first (cur2, cur, aws-athena, aws-cost-explorer, azure, azure-cost-details, azure-query, gcp, gcp-bigquery, focus, usage, demo, unknown), or null for the default order. Applies to later imports and syncs.",
      ),
  })
  .strict()
  .meta({ id: "CloudAccountUpdate" });

export const accountListSchema = z
  .object({
    page: z.number().int(),
    limit: z.number().int(),
    totalItems: z.number().int(),
    items: z.array(accountSchema),
  })
  .meta({ id: "CloudAccountList" });

const lineTallySchema = z.object({
  lines: z.number(),
  costAmount: z.number(),
  first: z
    .array(z.object({ line: z.number(), detail: z.string() }))
    .describe("The first lines (numbers and details), at most 10."),
});

const usageFiguresSchema = z.object({
  rows: z.number().describe("Hourly usage rows."),
  costAmount: z.number(),
  services: z.array(z.string()),
  sourceKinds: z.array(z.string()).describe("Source kinds of the rows (see sourceKindLabels)."),
});

export const accountReplacementSchema = z
  .object({
    cloudAccountId: z.uuid(),
    provider: z.string(),
    providerAccountId: z.string(),
    start: isoDateTime.describe("First UTC day replaced (midnight)."),
    end: isoDateTime.describe("End (exclusive) of the UTC days replaced."),
    stored: usageFiguresSchema
      .extend({ kwhFacility: z.number(), co2eLocationKg: z.number() })
      .describe("What is stored (counted) over those days now, or was before the replacement."),
    arriving: usageFiguresSchema.describe("What this import brings for those days."),
    reasons: z
      .array(z.string())
      .describe(
        "Why the replacement needs a confirmation; empty when it re-supplies what it replaces.",
      ),
  })
  .meta({ id: "AccountReplacement" });

export const replacementPreviewSchema = z
  .object({
    needsConfirmation: z.boolean(),
    accounts: z.array(accountReplacementSchema),
  })
  .meta({ id: "ReplacementPreview" });

const accountWindowSchema = z.object({
  cloudAccountId: z.uuid(),
  start: isoDateTime,
  end: isoDateTime.describe("Exclusive."),
});

const importSummarySchema = z
  .object({
    fileName: z.string(),
    bytes: z.number(),
    format: z.string().optional(),
    linesRead: z.number(),
    linesImported: z.number(),
    usageRowsWritten: z.number(),
    skipped: z
      .record(z.string(), lineTallySchema)
      .describe("Lines left out by reason: unreadable lines and lines in error (nothing stored)."),
    costOnly: z
      .record(z.string(), lineTallySchema)
      .optional()
      .describe(
        "Lines with cost but no energy (tax, credits, fees, …) by reason: stored for cost totals, estimated at zero energy.",
      ),
    warnings: z
      .object({
        lines: z.number(),
        first: z.array(z.object({ line: z.number(), detail: z.string() })),
      })
      .optional()
      .describe("Lines read with a warning (e.g. an AWS account id missing its leading zeros)."),
    sourceKind: z.string().optional().describe("What produced the rows: the file's format."),
    coverage: z
      .array(accountWindowSchema)
      .optional()
      .describe("The account windows this import's usage counts in (what a restore withdraws)."),
    outranked: z
      .array(
        accountWindowSchema.extend({
          heldBy: z.array(z.string()).describe("Source kinds of higher precedence holding them."),
        }),
      )
      .optional()
      .describe(
        "Days it brought usage for that a source of higher precedence holds: kept, not counted.",
      ),
    replaced: z
      .array(accountReplacementSchema)
      .optional()
      .describe(
        "What it replaced, per account (the previous version is kept and can be restored).",
      ),
    preview: replacementPreviewSchema
      .optional()
      .describe("While awaiting_confirmation: what it would replace and why it asks."),
    restoredAt: isoDateTime
      .optional()
      .describe("When the previous version was restored (this import no longer counts)."),
    span: z.object({ start: isoDateTime, end: isoDateTime }).optional(),
    cloudAccountIds: z.array(z.string()).optional(),
    costTotal: z.number(),
    currency: z.string().optional(),
    progress: z.object({ linesRead: z.number(), percent: z.number() }),
    expectedCloudAccountId: z
      .uuid()
      .optional()
      .describe("The only cloud account this upload may import (the cloudAccountId field)."),
    otherAccounts: z
      .array(z.object({ provider: z.string(), providerAccountId: z.string() }))
      .optional()
      .describe("Accounts the file holds besides the expected one, when it was refused for them."),
    replaceConfirmed: z
      .boolean()
      .optional()
      .describe("Replacing stored data was confirmed (replace=true, or POST …/confirm)."),
    fileDeletedAt: isoDateTime
      .optional()
      .describe(
        "When the uploaded file was deleted, CANOPY_IMPORT_FILE_RETENTION_DAYS after the import finished: the file is no longer kept (it no longer counts against the quota and cannot be imported again); the usage it imported is unchanged.",
      ),
    error: z.string().optional(),
  })
  .meta({ id: "ImportSummary" });

export const IMPORT_STATUSES = [
  "queued",
  "running",
  "awaiting_confirmation",
  "succeeded",
  "failed",
] as const;

export const importSchema = z
  .object({
    id: z.uuid(),
    status: z
      .enum(IMPORT_STATUSES)
      .describe(
        "awaiting_confirmation: the file would remove stored data it does not re-supply; nothing was changed until POST /api/v1/imports/{id}/confirm.",
      ),
    createdAt: isoDateTime,
    finishedAt: isoDateTime.nullable(),
    error: z.string().nullable(),
    summary: importSummarySchema.nullable(),
  })
  .meta({ id: "Import" });

export const importDetailSchema = importSchema
  .extend({
    estimates: z
      .enum(importEstimatesStates)
      .describe("Whether the emissions of the import are estimated."),
    totals: z
      .object({
        kwhFacility: z.number(),
        co2eLocationKg: z.number(),
        co2eMarketKg: z.number(),
        co2eEmbodiedKg: z.number(),
        waterL: z.number(),
      })
      .nullable()
      .describe("Emissions now stored for the import's accounts and span (once estimated)."),
    sourceKindLabels: z
      .record(z.string(), z.string())
      .describe(
        "Readable names of the source kinds the summary names (sourceKind, heldBy, sourceKinds).",
      ),
  })
  .meta({ id: "ImportDetail" });

export const importAwaitingConfirmationSchema = z
  .object({
    error: z.object({
      code: z.literal("replacement_needs_confirmation"),
      message: z.string().describe("One line: what it would remove and why it asks."),
      preview: replacementPreviewSchema,
    }),
    import: importDetailSchema,
  })
  .meta({ id: "ImportAwaitingConfirmation" });

export const importRestoredSchema = z
  .object({
    rowsWithdrawn: z.number().int().describe("Usage rows of this import that no longer count."),
    rowsRestored: z.number().int().describe("Usage rows of the previous version counting again."),
  })
  .meta({ id: "ImportRestored" });

export const importListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().describe("nextCursor of the previous page."),
});
export const importLimitsSchema = z
  .object({
    maxFileBytes: z
      .number()
      .int()
      .describe("Largest file an upload may be (CANOPY_IMPORT_MAX_BYTES); larger ones get 413."),
    maxLines: z
      .number()
      .int()
      .describe(
        "Most lines one import reads (CANOPY_IMPORT_MAX_LINES); a file with more fails at the first line over and stores nothing. 0: no limit.",
      ),
    quotaBytes: z
      .number()
      .int()
      .describe(
        "Bytes of uploaded files the organization may keep stored (CANOPY_IMPORT_QUOTA_BYTES); 0: no quota.",
      ),
    usedBytes: z
      .number()
      .int()
      .describe(
        "Bytes of the organization's uploaded files still kept (not yet deleted by the retention).",
      ),
    remainingBytes: z
      .number()
      .int()
      .nullable()
      .describe(
        "What the quota leaves for the next upload (an upload past it gets 413); null without a quota.",
      ),
    fileRetentionDays: z
      .number()
      .int()
      .describe(
        "Days a finished import's file is kept before it is deleted (CANOPY_IMPORT_FILE_RETENTION_DAYS); 0: forever.",
      ),
  })
  .meta({ id: "ImportLimits" });

export const importListSchema = z
  .object({
    items: z.array(importSchema),
    nextCursor: z.string().nullable(),
    limits: importLimitsSchema,
  })
  .meta({ id: "ImportList" });

export const importCreateBodySchema = z
  .object({
    file: z
      .string()
      .describe("The billing file (binary). CUR (CSV, gzip, Parquet), Azure, GCP or FOCUS."),
    format: z.enum(billingFormats).optional().describe("Leave out to detect it."),
    cloudAccountId: z
      .uuid()
      .optional()
      .describe(
        "Import only this cloud account's usage (the wizard's import step): a file holding other accounts is refused and stores nothing (summary.otherAccounts names them). Send before `file`.",
      ),
    replace: z
      .enum(["true", "false"])
      .optional()
      .describe(
        "true: replace stored data even where the file removes data it does not re-supply, without asking (no awaiting_confirmation). Send before `file`.",
      ),
  })
  .meta({ id: "ImportUpload" });
export const importCreatedSchema = z.object({ id: z.uuid() }).meta({ id: "ImportCreated" });

export const jobQuerySchema = pageQuerySchema.extend({
  status: z.enum(IMPORT_STATUSES).optional(),
});
export const jobListSchema = z
  .object({
    page: z.number().int(),
    limit: z.number().int(),
    totalItems: z.number().int(),
    items: z.array(
      z.object({
        id: z.uuid(),
        kind: z.enum(["import", "sync", "backfill", "reestimate"]),
        status: z.enum(IMPORT_STATUSES),
        cloudAccountId: z.string().nullable(),
        accountName: z.string().nullable(),
        fileName: z.string().nullable(),
        rowsRead: z.number(),
        rowsWritten: z.number(),
        rowsSkipped: z.number(),
        error: z.string().nullable(),
        windowStart: isoDateTime.nullable().describe("Start of the usage window the run replaced."),
        windowEnd: isoDateTime.nullable().describe("End (exclusive) of that window."),
        createdAt: isoDateTime,
        startedAt: isoDateTime.nullable(),
        finishedAt: isoDateTime.nullable(),
        apiCost: z
          .object({
            service: z.string(),
            requests: z.number().int(),
            cachedRequests: z.number().int(),
            costAmount: z.number(),
            currency: z.string(),
          })
          .nullable()
          .describe(
            "Provider requests the run paid for (AWS Cost Explorer: USD 0.01 each) and those answered from Canopy's cache; null when the source charges nothing per request.",
          ),
      }),
    ),
  })
  .meta({ id: "JobRunList" });

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    keyPrefix: z.string(),
    role: z.enum(ROLES),
    createdAt: isoDateTime,
    lastUsedAt: isoDateTime.nullable(),
    expiresAt: isoDateTime
      .nullable()
      .describe("After this instant the key is refused (401); null: it never expires."),
    revokedAt: isoDateTime.nullable(),
  })
  .meta({ id: "ApiKey" });
export const apiKeyListSchema = z
  .object({ items: z.array(apiKeySchema) })
  .meta({ id: "ApiKeyList" });
export const apiKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1, "Give the key a name.").max(100, "At most 100 characters."),
    role: z.enum(ROLES).exclude(["owner"]).default("viewer"),
    expiresInDays: z
      .preprocess(
        (value) => (value === "" ? undefined : value), // the form's "never"
        z.coerce
          .number()
          .int("A whole number of days.")
          .min(1, "At least 1 day.")
          .max(3650, "At most 3,650 days (10 years).")
          .optional(),
      )
      .describe("Days until the key expires; omit for a key that never expires."),
  })
  .meta({ id: "ApiKeyCreate" });
export const apiKeyCreatedSchema = apiKeySchema
  .extend({ key: z.string().describe("The key itself: shown once, store it now.") })
  .meta({ id: "ApiKeyCreated" });

export const idParamSchema = z.object({ id: z.uuid("Not a valid id.") });

/**
 * A report period. The pattern is checked here; the year's range (1970–9999) by `parsePeriod` in
 * @canopy/reports, whose errors are 400s with the same `period` field.
 */
export const reportPeriodSchema = z
  .string()
  .trim()
  .regex(
    /^\d{4}(-(0[1-9]|1[0-2])|-[Qq][1-4])?$/,
    "Choose a month (YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY).",
  )
  .refine((value) => {
    const year = Number(value.slice(0, 4));
    return year >= 1970 && year <= 2100;
  }, "Choose a year from 1970 to 2100.")
  .describe("A month (YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY).");

export const reportListQuerySchema = pageQuerySchema.extend({
  period: reportPeriodSchema.optional().describe("Only this period's versions."),
});

export const reportSchema = z
  .object({
    id: z.uuid(),
    period: z.object({
      key: z.string().describe("2026-03, 2026-Q1 or 2026."),
      kind: z.enum(["month", "quarter", "year"]),
      start: day.describe("First day (YYYY-MM-DD)."),
      end: day.describe("First day after the period (exclusive)."),
      label: z.string().describe("March 2026, Q1 2026, 2026."),
    }),
    version: z.number().int(),
    status: z
      .enum(["draft", "final"])
      .describe("A draft recomputes on request; a final version's figures and files are locked."),
    boundaryAccountIds: z
      .array(z.string())
      .nullable()
      .describe("Cloud accounts covered; null = every account of the organization."),
    contentSha256: z
      .string()
      .nullable()
      .describe("SHA-256 of the report content (what finalizing locks)."),
    methodologyVersion: z.string().nullable(),
    createdAt: isoDateTime,
    generatedAt: isoDateTime.describe("When the figures were last computed."),
    finalizedAt: isoDateTime.nullable(),
    scope3Category1LocationKg: z
      .number()
      .nullable()
      .describe("Scope 3 Category 1 (purchased goods and services), location-based, kg CO2e."),
    scope3Category1MarketKg: z.number().nullable().describe("The same, market-based."),
    spend: z
      .array(z.object({ currency: z.string(), amount: z.number() }))
      .describe("Cloud spend in the period, per currency."),
  })
  .meta({ id: "Report" });

export const reportListSchema = z
  .object({
    page: z.number().int(),
    limit: z.number().int(),
    totalItems: z.number().int(),
    items: z
      .array(reportSchema)
      .describe("Newest period first; per period and accounts, newest version first."),
  })
  .meta({ id: "ReportList" });

export const reportGenerateBodySchema = z
  .object({
    period: reportPeriodSchema,
    cloudAccountIds: z
      .array(z.uuid("Not a valid account id."))
      .max(500)
      .optional()
      .transform((ids) => (ids && ids.length ? ids : null))
      .describe("Cloud accounts to cover; leave out (or empty) for all of them."),
    tagKeys: z
      .array(
        z
          .string()
          .trim()
          .min(1, "A tag key cannot be empty.")
          .max(128, "A tag key has at most 128 characters."),
      )
      .max(5, "At most 5 tag keys per report.")
      .optional()
      .describe(
        "Tag keys to break emissions down by (cost centre, team, product…), as the CLI's --tags; leave out to keep the series' (or the organization's latest report's), [] for none.",
      ),
  })
  .meta({ id: "ReportGenerate" });

export const reportGeneratedSchema = reportSchema
  .extend({
    created: z
      .boolean()
      .describe("false when an existing draft of the period and accounts was recomputed."),
  })
  .meta({ id: "ReportGenerated" });

const reportFiguresSchema = {
  scope3Category1LocationKg: z
    .number()
    .describe(
      "Scope 3 Category 1, location-based, kg CO2e (electricity + embodied + spend-based).",
    ),
  scope3Category1MarketKg: z.number().describe("The same, market-based, kg CO2e."),
  kwhFacility: z.number().describe("Energy including data-centre overhead, kWh."),
};

export const reportDetailSchema = reportSchema
  .extend({
    parameters: z.object({
      tagKeys: z.array(z.string()).describe("The tag keys the report breaks emissions down by."),
    }),
    boundary: z
      .object({
        allAccounts: z.boolean(),
        accountsInBoundary: z.number().int().describe("Accounts in the boundary."),
        accountsWithData: z
          .array(
            z.object({
              id: z.uuid(),
              provider: z.string(),
              displayName: z.string(),
              providerAccountId: z.string(),
            }),
          )
          .describe("The accounts with emissions in the period."),
        accountsWithoutData: z
          .number()
          .int()
          .nullable()
          .describe(
            "Accounts in the boundary without emissions in the period (null: not recorded).",
          ),
        text: z.string().describe("The boundary as the report states it."),
      })
      .describe("The accounts the report covers, as every format states them."),
    breakdowns: z
      .array(
        z.object({
          dimension: z
            .string()
            .describe("provider | account | service | region | tag:<key>, as in the CSV."),
          title: z.string(),
          rows: z.array(
            z.object({
              key: z
                .string()
                .describe(
                  'Stable key; "(no emissions)" is the one row folding the groups with 0 kg CO2e.',
                ),
              label: z.string(),
              ...reportFiguresSchema,
              spend: z
                .array(z.object({ currency: z.string(), amount: z.number() }))
                .describe("Cost covered by the estimate (empty for tag rows)."),
            }),
          ),
        }),
      )
      .describe("Largest first, the same figures as the PDF, XLSX and CSV."),
    comparisons: z.array(
      z.object({
        key: z.enum([
          "previous_period",
          "same_period_last_year",
          "year_to_date",
          "previous_year_to_date",
        ]),
        title: z.string(),
        period: z.object({ start: day, end: day, label: z.string() }),
        scope3Category1LocationKg: z.number(),
        scope3Category1MarketKg: z.number(),
        daysWithData: z.number().int(),
        daysInPeriod: z.number().int(),
        change: z
          .number()
          .nullable()
          .describe(
            "Change of the report's figure against this line, as a ratio; null when not comparable, without data or not applicable.",
          ),
        comparable: z.boolean(),
        notComparableReason: z
          .string()
          .nullable()
          .describe(
            '"not comparable: …" with both spans\' days with data, when a change would mislead.',
          ),
      }),
    ),
  })
  .meta({ id: "ReportDetail" });

/** The file formats of a report download (kept equal to @canopy/reports' `reportFormats`). */
export const reportFormatValues = ["pdf", "xlsx", "csv"] as const satisfies readonly ReportFormat[];
export const reportFinalizeBodySchema = z
  .object({
    expectedContentSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "Not a SHA-256 (64 lowercase hex digits).")
      .describe(
        "The draft's contentSha256 as you reviewed it (GET /api/v1/reports); if the figures changed since, nothing is locked (409 report_changed).",
      ),
  })
  .meta({ id: "ReportFinalize" });

export const reportDownloadQuerySchema = z.object({
  format: z
    .enum(reportFormatValues, { error: "Expected one of pdf, xlsx, csv." })
    .default("pdf")
    .describe("pdf (default), xlsx or csv."),
});
