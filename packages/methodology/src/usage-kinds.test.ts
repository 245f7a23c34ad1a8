import { describe, expect, it } from "vitest";
import { createEstimator } from "./estimator";
import { expectClose, record } from "./test-support";

/**
 * GPU, memory, storage, network and "other" records, and service replication (canopy profile
 * unless stated). Constants (ccf/provider_constants.csv, ccf/gpu_coefficients.csv):
 *   SSD 1.2 Wh per TB-hour, HDD 0.65 Wh per TB-hour, memory 0.000392 kWh per GB-hour,
 *   network 0.001 kWh per GB, T4 8 / 71 W, GPU embodied increment 150 kg per GPU.
 */
const canopy = createEstimator();
const ccf = createEstimator({ profile: "ccf" });

describe("gpu records", () => {
  it("GCP SKU text 'Nvidia Tesla T4 GPU running in Americas' resolves to the T4", () => {
    const e = canopy.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "gpu",
        unit: "gpu-hours",
        quantity: 2,
        gpuModel: "Nvidia Tesla T4 GPU running in Americas",
      }),
    );
    // 8 + 0.5 × (71 − 8) = 39.5 W × 2 GPU-h = 0.079 kWh
    expectClose(e.kwhIt, 0.079);
    expect(e.quality.power).toEqual({ quality: "regional" });
    // embodied increment: 150 kg / 35040 h × 2 GPU-h
    expectClose(e.embodiedKg, (150 / 35_040) * 2);
    expect(e.quality.embodied.quality).toBe("default");
  });

  // Pack 2025.1: CCF's GPU lists; the 2026.1 accelerator table is covered in accelerators.test.ts
  const canopy2025 = createEstimator({ pack: "2025.1" });

  it("unknown GPU model: average of the provider's GPUs", () => {
    const e = canopy2025.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "gpu",
        unit: "gpu-hours",
        quantity: 1,
        gpuModel: "NVIDIA L4",
      }),
    );
    // CCF lists 10 GCP GPUs: mins 26+18+8+35+35+35+46+9+36+26 = 274 → 27.4 W
    // maxes 229+153+71+306+306+306+407+76.5+306+229 = 2389.5 → 238.95 W
    // 27.4 + 0.5 × (238.95 − 27.4) = 133.175 W → 0.133175 kWh
    expectClose(e.kwhIt, 0.133175);
    expect(e.quality.power.quality).toBe("provider-average");
    expect(e.quality.power.reason).toMatch(/"NVIDIA L4" not in data pack/);
  });

  it("no GPU model at all: provider average with a reason", () => {
    const e = canopy2025.estimate(
      record({ provider: "aws", region: "us-east-1", kind: "gpu", unit: "gpu-hours", quantity: 1 }),
    );
    expectClose(e.kwhIt, 0.133175); // AWS lists the same 10 models as GCP → 133.175 W
    expect(e.quality.power).toEqual({
      quality: "provider-average",
      reason: "GPU model not given; provider-average GPU watts",
    });
  });

  it("instance-hours multiply by the GPUs per instance; unknown count assumes 1 (default quality)", () => {
    const four = canopy.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "gpu",
        unit: "instance-hours",
        quantity: 1,
        gpuModel: "nvidia-tesla-t4",
        gpuCount: 4,
      }),
    );
    expectClose(four.kwhIt, 4 * 0.0395);
    const unknownCount = canopy.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "gpu",
        unit: "instance-hours",
        quantity: 1,
        gpuModel: "nvidia-tesla-t4",
      }),
    );
    expectClose(unknownCount.kwhIt, 0.0395);
    expect(unknownCount.quality.power).toEqual({
      quality: "default",
      reason: "GPUs per instance unknown; 1 assumed",
    });
  });

  it("ccf profile: no embodied on GPU records (CCF counts embodied on compute rows only)", () => {
    const e = ccf.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "gpu",
        unit: "gpu-hours",
        quantity: 1,
        gpuModel: "T4",
      }),
    );
    expect(e.embodiedKg).toBe(0);
    expectClose(e.kwhIt, 0.0395);
  });
});

describe("memory records", () => {
  it("GB-hours × 0.000392; TB-hours are converted", () => {
    const gb = canopy.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "memory",
        unit: "gb-hours",
        quantity: 64,
      }),
    );
    expectClose(gb.kwhIt, 64 * 0.000392); // 0.025088 kWh
    const tb = canopy.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "memory",
        unit: "tb-hours",
        quantity: 0.064,
      }),
    );
    expectClose(tb.kwhIt, 0.025088);
    expect(gb.embodiedKg).toBe(0);
  });
});

describe("storage records", () => {
  it("S3 standard: HDD × replication 6", () => {
    const e = canopy.estimate(
      record({
        provider: "aws",
        service: "AmazonS3",
        kind: "storage",
        unit: "gb-hours",
        quantity: 100,
        usageType: "USE1-TimedStorage-ByteHrs",
        storageClass: "hdd",
      }),
    );
    // 100 GB-h = 0.1 TB-h × 0.65 Wh / 1000 × 6 = 0.00039 kWh
    expectClose(e.kwhIt, 0.00039);
    expect(e.quality.power).toEqual({ quality: "regional" });
  });

  it("S3 One Zone-IA: replication 2 (first matching rule wins)", () => {
    const e = canopy.estimate(
      record({
        provider: "aws",
        service: "AmazonS3",
        kind: "storage",
        unit: "tb-hours",
        quantity: 1,
        usageType: "USE1-TimedStorage-ZIA-ByteHrs",
        storageClass: "hdd",
      }),
    );
    expectClose(e.kwhIt, (0.65 / 1000) * 2);
  });

  it("EBS volume: SSD × 2; storage class missing → SSD assumed with a reason", () => {
    const e = canopy.estimate(
      record({
        provider: "aws",
        service: "AmazonEC2",
        kind: "storage",
        unit: "tb-hours",
        quantity: 1,
        usageType: "EBS:VolumeUsage.gp3",
      }),
    );
    expectClose(e.kwhIt, (1.2 / 1000) * 2); // 0.0024 kWh
    expect(e.quality.power).toEqual({
      quality: "default",
      reason: "storage medium not stated on the billing line; SSD assumed (as CCF)",
    });
    expect(e.embodiedKg).toBe(0);
    expect(e.quality.embodied.reason).toMatch(/no embodied data for storage/);
  });

  it("replicationHint overrides the service factor", () => {
    const e = canopy.estimate(
      record({
        provider: "aws",
        service: "AmazonS3",
        kind: "storage",
        unit: "tb-hours",
        quantity: 1,
        usageType: "TimedStorage-ByteHrs",
        storageClass: "hdd",
        replicationHint: 3,
      }),
    );
    expectClose(e.kwhIt, (0.65 / 1000) * 3);
  });

  it("service without a rule: factor 1", () => {
    const e = canopy.estimate(
      record({
        provider: "aws",
        service: "AmazonFSx",
        kind: "storage",
        unit: "tb-hours",
        quantity: 1,
        storageClass: "ssd",
      }),
    );
    expectClose(e.kwhIt, 0.0012);
  });
});

describe("network records", () => {
  it("GB × 0.001 kWh, never replicated", () => {
    const e = canopy.estimate(
      record({
        provider: "aws",
        service: "AmazonS3",
        kind: "network",
        unit: "gb",
        quantity: 10,
        usageType: "TimedStorage",
        replicationHint: 5,
      }),
    );
    expectClose(e.kwhIt, 0.01);
    expect(e.quality.power.quality).toBe("default");
    expect(e.quality.power.reason).toMatch(/network coefficient/);
  });
});

describe("other records and unsupported units", () => {
  it("kind other → zero energy with reason", () => {
    const e = canopy.estimate(
      record({ provider: "aws", service: "AWSSupport", kind: "other", unit: "none", quantity: 99 }),
    );
    expect(e.kwhIt).toBe(0);
    expect(e.kwhFacility).toBe(0);
    expect(e.co2eLocationKg).toBe(0);
    expect(e.embodiedKg).toBe(0);
    expect(e.waterL).toBe(0);
    expect(e.quality.power).toEqual({
      quality: "default",
      reason: "no energy model for this usage",
    });
  });

  it("a unit the kind has no model for → zero energy with reason", () => {
    const e = canopy.estimate(
      record({ provider: "aws", kind: "compute", unit: "gb", quantity: 5 }),
    );
    expect(e.kwhIt).toBe(0);
    expect(e.quality.power).toEqual({
      quality: "default",
      reason: 'unit "gb" is not supported for kind "compute"',
    });
  });
});

describe("replication of compute (profiles differ)", () => {
  const aurora = record({
    provider: "aws",
    service: "AmazonRDS",
    kind: "compute",
    unit: "instance-hours",
    quantity: 1,
    instanceType: "db.r5.large",
    usageType: "USE1-InstanceUsage:db.r5.large Aurora",
  });
  const multiAz = record({
    provider: "aws",
    service: "AmazonRDS",
    kind: "compute",
    unit: "instance-hours",
    quantity: 1,
    instanceType: "db.r5.large",
    usageType: "USE1-Multi-AZUsage:db.r5.large",
  });
  const single = record({
    provider: "aws",
    service: "AmazonRDS",
    kind: "compute",
    unit: "instance-hours",
    quantity: 1,
    instanceType: "db.r5.large",
    usageType: "USE1-InstanceUsage:db.r5.large",
  });

  it("canopy: Aurora storage is 6-way replicated, its compute is not", () => {
    expectClose(canopy.estimate(aurora).kwhIt, canopy.estimate(single).kwhIt);
  });

  it("ccf: CCF multiplies Aurora compute by 6 as well", () => {
    expectClose(ccf.estimate(aurora).kwhIt, 6 * ccf.estimate(single).kwhIt);
  });

  it("Multi-AZ: the unbilled standby doubles energy in both profiles; canopy doubles embodied too", () => {
    expectClose(canopy.estimate(multiAz).kwhIt, 2 * canopy.estimate(single).kwhIt);
    expectClose(canopy.estimate(multiAz).embodiedKg, 2 * canopy.estimate(single).embodiedKg);
    expectClose(ccf.estimate(multiAz).kwhIt, 2 * ccf.estimate(single).kwhIt);
    expectClose(ccf.estimate(multiAz).embodiedKg, ccf.estimate(single).embodiedKg);
  });
});
