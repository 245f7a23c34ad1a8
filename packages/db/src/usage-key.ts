import { createHash } from "node:crypto";

/** The dimensions that make a usage row distinct within (tenant, account, hour). */
export type UsageDimensions = {
  service: string;
  region: string;
  kind: string;
  unit: string;
  usageType?: string | undefined;
  instanceType?: string | undefined;
  storageClass?: string | undefined;
  gpuModel?: string | undefined;
  tags?: Record<string, string> | undefined;
};

/**
 * A stable key for a usage row's dimensions (usage_hourly.dims_key): importing the same usage again
 * hits the same key and replaces the row instead of adding a second one. Tags are sorted by key.
 */
export function usageDimsKey(dimensions: UsageDimensions): string {
  const tags = dimensions.tags
    ? Object.keys(dimensions.tags)
        .sort()
        .map((key) => `${key}=${dimensions.tags![key]}`)
        .join("\u001f")
    : "";
  const parts = [
    dimensions.service,
    dimensions.region,
    dimensions.kind,
    dimensions.unit,
    dimensions.usageType ?? "",
    dimensions.instanceType ?? "",
    dimensions.storageClass ?? "",
    dimensions.gpuModel ?? "",
    tags,
  ];
  return createHash("sha256").update(parts.join("\u001e")).digest("hex").slice(0, 32);
}
