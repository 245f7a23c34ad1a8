import { z } from "zod";
import { measuresSchema } from "./schemas";

/** Schemas of the cost-centre and allocation endpoints (docs/methodology.md section 22). */

const name = z
  .string()
  .trim()
  .min(1, "Must not be empty.")
  .max(200, "At most 200 characters.")
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, "Must not contain control characters.");
const filterText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, "Must not contain control characters.")
    .nullable()
    .default(null);

export const costCentreSchema = z
  .object({ id: z.uuid(), name: z.string(), createdAt: z.string() })
  .meta({ id: "CostCentre" });
export const costCentreListSchema = z.object({ items: z.array(costCentreSchema) });
export const costCentreCreateSchema = z.object({ name });

const targetSchema = z.object({
  costCentreId: z.uuid(),
  weight: z
    .number()
    .min(0)
    .max(1e12)
    .default(1)
    .describe("Fixed split weight; ignored by proportional rules."),
});

export const allocationRuleInputSchema = z
  .object({
    tagKey: filterText(128).describe(
      "With tagValue: rows whose tag has this value (e.g. k8s-namespace).",
    ),
    tagValue: filterText(256),
    service: filterText(256).describe("Rows of this service only."),
    cloudAccountId: z.uuid().nullable().default(null).describe("Rows of this cloud account only."),
    split: z
      .enum(["fixed", "proportional"])
      .describe(
        "fixed: by the targets' weights. proportional (shared services): by what the fixed rules gave each target in the period.",
      ),
    targets: z
      .array(targetSchema)
      .min(1, "A rule allocates to at least one cost centre.")
      .max(1000),
  })
  .refine((rule) => (rule.tagKey === null) === (rule.tagValue === null), {
    message: "tagKey and tagValue go together.",
    path: ["tagValue"],
  })
  .refine((rule) => rule.split === "proportional" || rule.targets.some((t) => t.weight > 0), {
    message: "A fixed split needs a target with a positive weight.",
    path: ["targets"],
  });

export const allocationRulesPutSchema = z.object({
  rules: z
    .array(allocationRuleInputSchema)
    .max(5000)
    .describe("In the order they are read: the first matching rule wins."),
});

export const allocationRuleSchema = z
  .object({
    id: z.uuid(),
    tagKey: z.string().nullable(),
    tagValue: z.string().nullable(),
    service: z.string().nullable(),
    cloudAccountId: z.string().nullable(),
    split: z.enum(["fixed", "proportional"]),
    targets: z.array(z.object({ costCentreId: z.string(), weight: z.number() })),
    note: z
      .string()
      .nullable()
      .optional()
      .describe("Why the rule's rows stayed unallocated, if they did."),
  })
  .meta({ id: "AllocationRule" });
export const allocationRuleListSchema = z.object({ items: z.array(allocationRuleSchema) });

export const allocationQuerySchema = z.object({
  month: z
    .string()
    .regex(/^(19[7-9]\d|20\d\d)-(0[1-9]|1[0-2])$/, "A month as YYYY-MM (1970–2099).")
    .optional()
    .describe("The month to allocate (UTC); default the latest month with emissions."),
});

const daySchema = z.object({
  day: z.string().describe("YYYY-MM-DD (UTC)"),
  measures: measuresSchema,
});

export const allocationSchema = z
  .object({
    month: z.string().nullable().describe("YYYY-MM; null when the organization has no emissions."),
    total: measuresSchema.describe("Every emission of the month: allocated + unallocated."),
    costCentres: z.array(z.object({ id: z.uuid(), name: z.string(), measures: measuresSchema })),
    unallocated: measuresSchema.describe(
      "What no rule matched, or a proportional rule could not split: never hidden.",
    ),
    rules: z.array(allocationRuleSchema),
  })
  .meta({ id: "Allocation" });

export const costCentreEmissionsSchema = z
  .object({
    month: z.string().nullable(),
    costCentre: costCentreSchema,
    measures: measuresSchema,
    days: z.array(daySchema),
  })
  .meta({ id: "CostCentreEmissions" });
