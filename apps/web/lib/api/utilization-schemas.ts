import { z } from "zod";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const utilizationResponseSchema = z
  .object({
    range: z.object({ from: day, to: day }),
    computeKwhFacility: z
      .number()
      .describe("Facility kWh of compute usage in the range, under the filters."),
    measuredKwhFacility: z
      .number()
      .describe(
        "The part of it estimated from measured CPU utilization (CloudWatch, Azure Monitor, Cloud Monitoring; power quality `measured`).",
      ),
    measuredShare: z
      .number()
      .nullable()
      .describe("measuredKwhFacility / computeKwhFacility; null without compute energy."),
    runs: z
      .array(
        z.object({
          cloudAccountId: z.uuid(),
          status: z.string(),
          source: z.enum(["aws-cloudwatch", "azure-monitor", "gcp-monitoring"]),
          windowStart: z.string(),
          windowEnd: z.string(),
          resources: z.number().int(),
          hoursStored: z.number().int(),
          usageRowsMeasured: z.number().int(),
          error: z
            .string()
            .nullable()
            .describe("Why the last read failed; estimates then keep the default utilization."),
          finishedAt: z.string().nullable(),
        }),
      )
      .describe(
        "The latest utilization read of each connected account (the filters' accounts only).",
      ),
  })
  .meta({ id: "MeasuredUtilization" });
