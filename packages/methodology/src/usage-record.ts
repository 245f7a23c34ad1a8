import { z } from "zod";

import { providers } from "./providers";

export { providers, type Provider } from "./providers";

export const usageKinds = ["compute", "gpu", "memory", "storage", "network", "other"] as const;
export type UsageKind = (typeof usageKinds)[number];

/**
 * Canonical units, one family per kind. Storage `tb-hours` / `gb-hours` are decimal (10^12 / 10^9
 * bytes); memory `gb-hours` and network `gb` are GiB as billed. `surplus-vcpu-hours`: CPU time at
 * 100 % above a burstable instance's baseline (AWS T Unlimited surplus credits, 60 credits = 1 h).
 */
export const usageUnits = [
  "vcpu-hours",
  "surplus-vcpu-hours",
  "instance-hours",
  "gpu-hours",
  "gb-hours",
  "tb-hours",
  "gb",
  "none",
] as const;
export type UsageUnit = (typeof usageUnits)[number];

/**
 * One normalized unit of cloud usage: what every connector and importer yields and what the
 * estimation method consumes. Quantities are already in canonical units.
 */
export const usageRecordSchema = z.object({
  provider: z.enum(providers),
  accountId: z.string().min(1),
  /**
   * The parent billing account, when the source names it: AWS payer account id
   * (`bill/PayerAccountId`, 12 digits), Azure billing account id (EA enrollment, MCA billing account,
   * or billing profile as the file gives it), GCP billing account id (`010101-F0FFF0-61C528`); FOCUS
   * `BillingAccountId` normalized by the same provider rules.
   */
  billingAccountId: z.string().min(1).optional(),
  /** UTC ISO-8601 start of the period the quantity covers. */
  periodStart: z.iso.datetime({ offset: true }),
  /** 1 for hourly rows, 24 for daily rows, etc. */
  periodHours: z.number().positive(),
  service: z.string().min(1),
  region: z.string(),
  kind: z.enum(usageKinds),
  /**
   * Any finite number (zod 4 rejects ±Infinity and NaN): a provider's negative usage correction (AWS
   * CUR usage amount < 0) is a negative quantity that nets against the usage it corrects; the
   * estimator is linear in quantity. Cost-only records (tax, credits, fees…) have quantity 0.
   */
  quantity: z.number(),
  unit: z.enum(usageUnits),
  usageType: z.string().optional(),
  instanceType: z.string().optional(),
  vcpus: z.number().positive().optional(),
  memoryGb: z.number().nonnegative().optional(),
  gpuModel: z.string().optional(),
  gpuCount: z.number().nonnegative().optional(),
  storageClass: z.enum(["ssd", "hdd"]).optional(),
  replicationHint: z.number().positive().optional(),
  cpuUtilization: z.number().min(0).max(1).optional(),
  costAmount: z.number().optional(),
  currency: z.string().optional(),
  resourceId: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  /** Which file/API and row produced the record, e.g. "cur.csv:1234". */
  source: z.string().optional(),
});

export type UsageRecord = z.infer<typeof usageRecordSchema>;
