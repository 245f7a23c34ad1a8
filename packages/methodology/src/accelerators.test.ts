import { describe, expect, it } from "vitest";
import gpuJson from "../data/pack-2026.1/gpu-coefficients.json";
import { createEstimator } from "./estimator";
import { lookupInstanceType } from "./instance-types";
import { resolveDataPack } from "./pack";
import { expectClose, record } from "./test-support";
import type { PackProvider as Provider } from "./providers";

/**
 * The 2026.1 accelerator table and catalog (data/sources/accelerators.csv,
 * data/sources/accelerator-instance-families.csv). Watts in the arithmetic below are the data
 * sheets' (cited in docs/methodology.md §2.3); the idle share is the pack's documented rule.
 */
const pack = resolveDataPack("2026.1");
const canopy = createEstimator({ pack: "2026.1" });
const idleShare = gpuJson.idleShareOfMax;

describe("accelerator table", () => {
  it("knows every GPU, TPU and AI accelerator model the three clouds sell", () => {
    const models = [
      ["k80", "m60", "p4", "p100", "v100", "t4", "t4g", "a10", "a10g", "l4", "l40s"],
      ["a100", "a100-80gb", "a100-pcie-80gb", "h100-sxm", "h100-pcie", "h100-nvl", "h200"],
      ["v520", "v710", "mi25", "mi300x", "trainium", "trainium2", "inferentia", "inferentia2"],
      ["gaudi", "vu9p", "u30", "tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e"],
    ].flat();
    const missing = models.filter((key) => !pack.gpu.accelerators.has(key));
    expect(missing).toEqual([]);
  });

  it("derives idle from the median idle/max share of CCF's GPU rows", () => {
    const ccfShares = Object.values(gpuJson.models)
      .filter((m) => m.idleBasis === "ccf")
      .map((m) => m.minW / m.maxW)
      .sort((a, b) => a - b);
    // 12 CCF rows: the median is the mean of the 6th and 7th share
    expectClose(idleShare, ((ccfShares[5] ?? 0) + (ccfShares[6] ?? 0)) / 2, 1e-3);
    // H100 SXM: data-sheet max 700 W, idle 700 × share
    const h100 = pack.gpu.models.get("h100-sxm");
    expect(h100?.maxWatts).toBe(700);
    expectClose(h100?.minWatts ?? 0, 700 * idleShare, 1e-3);
  });

  it("matches billing spellings to models, longest phrase first", () => {
    const power = (provider: Provider, model: string) =>
      canopy.estimate(
        record({
          provider,
          region: "us-east-1",
          kind: "gpu",
          unit: "gpu-hours",
          quantity: 1,
          gpuModel: model,
        }),
      );
    const h100Sxm = power("gcp", "Nvidia H100 80GB");
    const h100Nvl = power("azure", "NVIDIA H100 NVL");
    // SXM: idle 700 × share, W = idle + 0.5 × (700 − idle); NVL: 400 W max
    // (the pack rounds derived idle watts to 0.01 W, hence the tolerance)
    expectClose(h100Sxm.kwhIt, (700 * idleShare + 0.5 * (700 - 700 * idleShare)) / 1000, 1e-4);
    expectClose(h100Nvl.kwhIt, (400 * idleShare + 0.5 * (400 - 400 * idleShare)) / 1000, 1e-4);
    expect(h100Sxm.quality.power).toEqual({ quality: "regional" });
    const l4 = power("gcp", "Nvidia L4");
    expectClose(l4.kwhIt, (72 * idleShare + 0.5 * (72 - 72 * idleShare)) / 1000, 1e-4);
  });

  it("flags a stand-in model and a model without a published rating", () => {
    const a10 = canopy.estimate(
      record({
        provider: "azure",
        region: "eastus",
        kind: "gpu",
        unit: "gpu-hours",
        quantity: 1,
        gpuModel: "a10",
      }),
    );
    // A10 takes CCF's A10G: 18 + 0.5 × (153 − 18) = 85.5 W
    expectClose(a10.kwhIt, 0.0855);
    expect(a10.quality.power.quality).toBe("provider-average");
    expect(a10.quality.power.reason).toMatch(/NVIDIA A10G watts stand in/);
    const trainium = canopy.estimate(
      record({
        provider: "aws",
        region: "us-east-1",
        kind: "gpu",
        unit: "gpu-hours",
        quantity: 1,
        gpuModel: "trainium2",
      }),
    );
    expect(trainium.kwhIt).toBeGreaterThan(0);
    expect(trainium.quality.power).toMatchObject({ quality: "provider-average" });
    expect(trainium.quality.power.reason).toMatch(/no published power rating for AWS Trainium2/);
  });
});

describe("accelerator instance catalog", () => {
  const families: [Provider, string, string][] = [
    ["aws", "p4d.24xlarge", "a100"],
    ["aws", "p4de.24xlarge", "a100-80gb"],
    ["aws", "p5.48xlarge", "h100-sxm"],
    ["aws", "p5e.48xlarge", "h200"],
    ["aws", "p5en.48xlarge", "h200"],
    ["aws", "g4dn.xlarge", "t4"],
    ["aws", "g4ad.4xlarge", "v520"],
    ["aws", "g5.xlarge", "a10g"],
    ["aws", "g5g.xlarge", "t4"],
    ["aws", "g6.xlarge", "l4"],
    ["aws", "g6e.xlarge", "l40s"],
    ["aws", "gr6.4xlarge", "l4"],
    ["aws", "trn1.32xlarge", "trainium"],
    ["aws", "trn1n.32xlarge", "trainium"],
    ["aws", "trn2.48xlarge", "trainium2"],
    ["aws", "inf1.xlarge", "inferentia"],
    ["aws", "inf2.48xlarge", "inferentia2"],
    ["aws", "dl1.24xlarge", "gaudi"],
    ["aws", "f1.2xlarge", "vu9p"],
    ["aws", "vt1.3xlarge", "u30"],
    ["azure", "Standard_NC24ads_A100_v4", "a100-pcie-80gb"],
    ["azure", "Standard_NC40ads_H100_v5", "h100-nvl"],
    ["azure", "Standard_NC6s_v3", "v100"],
    ["azure", "Standard_ND96isr_H100_v5", "h100-sxm"],
    ["azure", "Standard_ND96isr_H200_v5", "h200"],
    ["azure", "Standard_ND96isr_MI300X_v5", "mi300x"],
    ["azure", "Standard_ND96amsr_A100_v4", "a100"],
    ["azure", "Standard_NV36ads_A10_v5", "a10"],
    ["azure", "Standard_NV12s_v3", "m60"],
    ["gcp", "a2-highgpu-1g", "a100"],
    ["gcp", "a2-ultragpu-8g", "a100-80gb"],
    ["gcp", "a3-highgpu-8g", "h100-sxm"],
    ["gcp", "a3-megagpu-8g", "h100-sxm"],
    ["gcp", "g2-standard-4", "l4"],
    ["gcp", "ct5lp-hightpu-4t", "tpu-v5e"],
  ];

  it.each(families)("%s %s carries its accelerators (%s)", (provider, type, model) => {
    const info = lookupInstanceType(provider, type, pack);
    expect(info?.match).toBe("exact");
    expect(info?.gpuModel).toBe(model);
    expect(info?.gpuCount).toBeGreaterThan(0);
  });

  it("every catalog accelerator model is in the accelerator table", () => {
    const unknown = (["aws", "azure", "gcp"] as const).flatMap((p) =>
      [...pack.instances[p].values()]
        .filter((r) => r.gpuModel !== "" && !pack.gpu.accelerators.has(r.gpuModel))
        .map((r) => `${p} ${r.name}: ${r.gpuModel}`),
    );
    expect(unknown).toEqual([]);
  });

  it("the rows that had no accelerators now carry them (Azure NC A100 v4; AWS dl1, f1, inf1, vt1)", () => {
    expect(lookupInstanceType("azure", "Standard_NC96ads_A100_v4", pack)?.gpuCount).toBe(4);
    expect(lookupInstanceType("aws", "dl1.24xlarge", pack)?.gpuCount).toBe(8);
    expect(lookupInstanceType("aws", "f1.16xlarge", pack)?.gpuCount).toBe(8);
    expect(lookupInstanceType("aws", "inf1.24xlarge", pack)?.gpuCount).toBe(16);
    expect(lookupInstanceType("aws", "vt1.24xlarge", pack)?.gpuCount).toBe(8);
    // ...and in 2025.1 they did not (the frozen pack is unchanged)
    expect(lookupInstanceType("aws", "dl1.24xlarge", "2025.1")?.gpuCount).toBe(0);
  });
});

describe("p5.48xlarge energy per day", () => {
  const day = (gpuCount?: number) =>
    canopy.estimate(
      record({
        provider: "aws",
        region: "us-east-1",
        kind: "compute",
        unit: "instance-hours",
        quantity: 24,
        instanceType: "p5.48xlarge",
        ...(gpuCount === undefined ? {} : { gpuCount }),
      }),
    );

  it("is in the band set by 8 × H100 SXM (700 W) and 192 vCPUs", () => {
    const kwhPerDay = day().kwhIt;
    // GPUs: 8 × 700 W × 24 h = 134.4 kWh at full load; idle 8 × 700 W × share × 24 h (≈ 15.4 kWh)
    const gpuMaxKwh = (8 * 700 * 24) / 1000;
    const gpuIdleKwh = (8 * 700 * idleShare * 24) / 1000;
    // CPU: 192 vCPUs at the provider-average watts per vCPU (p5's CPU is not in the sources used)
    const cpu = pack.cpu.providerAverage.canopy.aws;
    const cpuMinKwh = (192 * cpu.minWattsPerVcpu * 24) / 1000;
    const cpuMaxKwh = (192 * cpu.maxWattsPerVcpu * 24) / 1000;
    // memory above the SPECpower share: at most 2048 GB × 0.000392 kWh per GB-hour × 24 h
    const memoryMaxKwh = 2048 * 0.000392 * 24;
    expect(kwhPerDay).toBeGreaterThan(gpuIdleKwh + cpuMinKwh);
    expect(kwhPerDay).toBeLessThan(gpuMaxKwh + cpuMaxKwh + memoryMaxKwh);
    // the CPU-only figure of the issue (~9.8 kWh) is far below even the GPUs at idle
    expect(kwhPerDay).toBeGreaterThan(5 * 9.8);
  });

  it("the GPU share is 8 × (idle + 50 % × (700 W − idle)) × 24 h", () => {
    const gpuKwh = day().kwhIt - day(0).kwhIt;
    const idleW = 700 * idleShare;
    expectClose(gpuKwh, (8 * (idleW + 0.5 * (700 - idleW)) * 24) / 1000, 1e-4);
    expect(day().quality.power.quality).not.toBe("regional"); // p5's CPU microarchitecture is unknown
  });
});

describe("unknown size of an accelerator family", () => {
  it("AWS p5.24xlarge: accelerators scaled by the vCPUs in the name, flagged", () => {
    const info = lookupInstanceType("aws", "p5.24xlarge", pack);
    expect(info?.match).toBe("family");
    // 24xlarge = 96 vCPUs × 8 GPUs / 192 vCPUs of p5.48xlarge = 4 H100
    expect(info?.vcpus).toBe(96);
    expect(info?.gpuCount).toBe(4);
    expect(info?.gpuModel).toBe("h100-sxm");
    const e = canopy.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "p5.24xlarge",
      }),
    );
    expect(e.quality.power.quality).toBe("default");
    expect(e.quality.power.reason).toMatch(
      /"p5.24xlarge" not in data pack; estimated from family p5/,
    );
    const full = canopy.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "p5.48xlarge",
      }),
    );
    // half the vCPUs, half the GPUs: half the energy of the full size (memory scales too)
    expectClose(e.kwhIt, full.kwhIt / 2, 1e-9);
  });

  it("Azure ND96is_H100_v5: the ND H100 v5 family's 8 GPUs per 96 vCPUs", () => {
    const info = lookupInstanceType("azure", "Standard_ND96is_H100_v5", pack);
    expect(info).toMatchObject({ match: "family", vcpus: 96, gpuCount: 8, gpuModel: "h100-sxm" });
    expect(info?.familyEstimate).toMatch(/96 vCPUs from the name/);
  });

  it("GCP a3-highgpu-Ng: the accelerator count is read from the name", () => {
    const pack2025 = lookupInstanceType("gcp", "a3-highgpu-4g", "2025.1");
    expect(pack2025).toBeUndefined();
    const info = lookupInstanceType("gcp", "a3-highgpu-16g", pack);
    expect(info).toMatchObject({ match: "family", gpuCount: 16, gpuModel: "h100-sxm", vcpus: 416 });
  });

  it("a CPU family is not an accelerator family", () => {
    expect(lookupInstanceType("aws", "m5.96xlarge", pack)).toBeUndefined();
  });
});
