import { createEstimator } from "@canopy/methodology";
import { describe, expect, it } from "vitest";
import { createGcpClassifier } from "./gcp-billing-export";
import { gcpTpuModelOf } from "./gcp-skus";
import type { ClassifyOutcome } from "./types";

/**
 * Cloud TPU lines of the GCP billing export become accelerator (`gpu`) records in chip-hours.
 * The reference samples hold no TPU line, so the lines below follow the export's shape (service
 * "Cloud TPU", per-chip SKUs billed in seconds, as the accelerator SKUs "Nvidia Tesla T4 GPU
 * running in Americas" are).
 */
function records(outcome: ClassifyOutcome) {
  if (outcome.status !== "usage") throw new Error(`expected usage, got ${JSON.stringify(outcome)}`);
  return outcome.records;
}

const gcp = createGcpClassifier([
  "service.description",
  "sku.description",
  "usage_start_time",
  "usage_end_time",
  "project.id",
  "location.region",
  "cost",
  "currency",
  "usage.amount",
  "usage.unit",
]);
const line = (sku: string, seconds: number) =>
  gcp.classify({
    "service.description": "Cloud TPU",
    "sku.description": sku,
    usage_start_time: "2026-05-01T00:00:00Z",
    usage_end_time: "2026-05-01T01:00:00Z",
    "project.id": "ml-training",
    "location.region": "us-central2",
    cost: "12.88",
    currency: "USD",
    "usage.amount": String(seconds),
    "usage.unit": "seconds",
  });

describe("GCP Cloud TPU SKUs", () => {
  it("reads the TPU version from the SKU spellings", () => {
    expect(gcpTpuModelOf("Cloud TPU", "TPU v4 chip running in Americas")).toBe("TPU v4");
    expect(gcpTpuModelOf("Cloud TPU", "Tpu-v5e PodSlice running in Americas")).toBe("TPU v5e");
    expect(gcpTpuModelOf("Cloud TPU", "TPU v5 lite PodSlice chip running in EMEA")).toBe(
      "TPU v5 lite",
    );
    expect(
      gcpTpuModelOf("Compute Engine", "Nvidia Tesla T4 GPU running in Americas"),
    ).toBeUndefined();
  });

  it("a TPU v4 line: 4 chips for one hour are 4 chip-hours at TPU v4 watts", () => {
    const [tpu] = records(line("TPU v4 chip running in Americas", 4 * 3600));
    expect(tpu).toMatchObject({
      kind: "gpu",
      unit: "gpu-hours",
      quantity: 4,
      gpuModel: "TPU v4",
      region: "us-central2",
    });
    const estimate = createEstimator().estimate(tpu!);
    // TPU v4: 192 W max (data sheet), idle = 192 × the pack's idle share (0.1144) = 21.96 W;
    // 21.96 + 0.5 × (192 − 21.96) = 106.98 W × 4 chip-hours = 0.42792 kWh
    expect(estimate.kwhIt).toBeCloseTo(0.42792, 5);
    expect(estimate.quality.power).toEqual({ quality: "regional" });
  });

  it("a TPU v5e line is priced, flagged: Google publishes no v5e power rating", () => {
    const [tpu] = records(line("TPU v5e chip running in Americas", 8 * 3600));
    expect(tpu).toMatchObject({ kind: "gpu", quantity: 8, gpuModel: "TPU v5e" });
    const estimate = createEstimator().estimate(tpu!);
    expect(estimate.kwhIt).toBeGreaterThan(0);
    expect(estimate.quality.power.quality).toBe("provider-average");
    expect(estimate.quality.power.reason).toMatch(/no published power rating for Google TPU v5e/);
  });
});
