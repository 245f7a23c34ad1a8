import { z } from "zod";

/** An amount of cost in one currency (@canopy/reports' Spend). */
export const spendSchema = z.object({ currency: z.string(), amount: z.number() });
export type StoredSpend = z.infer<typeof spendSchema>;

/**
 * reports.model: @canopy/reports declares the whole ReportModel; this schema names only what
 * @canopy/db reads of it (the reports list's headlines, the locked-totals check), each optional
 * since versions locked before a field existed lack it. Other fields pass through untouched.
 */
export const reportModelSchema = z.looseObject({
  content: z
    .looseObject({
      totals: z.looseObject({ co2eLocationKg: z.number() }).optional(),
      customerView: z
        .looseObject({
          scope3Category1LocationKg: z.number(),
          scope3Category1MarketKg: z.number(),
        })
        .optional(),
      spend: z.array(spendSchema).optional(),
      dataQuality: z
        .looseObject({
          methodologies: z.array(z.looseObject({ methodologyVersion: z.string() })).optional(),
        })
        .optional(),
    })
    .optional(),
});
export type StoredReportModel = z.infer<typeof reportModelSchema>;
