import type { StagedUsage } from "@canopy/db";
import type { UsageRecord } from "@canopy/methodology";

/** A classified usage record as the bulk writer stages it (writeUsageRecords). */
export function toStagedUsage(r: UsageRecord): StagedUsage {
  return {
    provider: r.provider,
    providerAccountId: r.accountId,
    periodStart: r.periodStart,
    periodHours: r.periodHours,
    service: r.service,
    region: r.region,
    kind: r.kind,
    unit: r.unit,
    usageType: r.usageType ?? "",
    instanceType: r.instanceType ?? "",
    vcpus: r.vcpus,
    memoryGb: r.memoryGb,
    gpuModel: r.gpuModel,
    gpuCount: r.gpuCount,
    storageClass: r.storageClass,
    replicationHint: r.replicationHint,
    cpuUtilization: r.cpuUtilization,
    quantity: r.quantity,
    costAmount: r.costAmount,
    currency: r.currency,
    tags: r.tags,
  };
}
