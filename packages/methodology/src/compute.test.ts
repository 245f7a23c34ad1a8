import { describe, expect, it } from "vitest";
import { createEstimator } from "./estimator";
import { dataPacks } from "./pack";
import type { DataPack, InstanceTypeRow } from "./pack-types";
import { expectClose, record } from "./test-support";

/**
 * Compute estimator, canopy profile. Coefficients used below (pack 2026.1):
 *   ccf-coefficients/output/coefficients-aws-use.csv   Skylake        0.6130 / 4.1042 W per vCPU, 75.10 GB/chip
 *                                                      Cascade Lake   0.6903 / 4.0632 W per vCPU
 *                                                      Broadwell      0.7128 / 3.6853 W per vCPU, 69.65 GB/chip
 *                                                      Graviton2      0.4743 / 1.6930 W per vCPU, 129.78 GB/chip
 *   ccf/cpu_microarchitecture_coefficients.csv         AWS fallback   0.74 / 3.5, Azure fallback 0.74 / 3.54
 *   memory 0.000392 kWh per GB-hour; V100 35 / 306 W
 * Site factors of aws us-east-1 in 2024: PUE 1.15 (GSF), US-MIDA-PJM 403 g/kWh (Electricity Maps
 * 2024), WUE 0.12 L/kWh (GSF 2024), CFE 1.0 (GSF 2022, nearest year).
 */
const estimator = createEstimator();
const hoursPer4Years = 35_040;

describe("compute: known instance types", () => {
  it("m5.large, 10 instance-hours at the 50 % default", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 10,
        instanceType: "m5.large",
      }),
    );
    // vCPU-hours = 10 × 2 = 20
    // W per vCPU = 0.613 + 0.5 × (4.1042 − 0.613) = 2.3586 → CPU kWh = 20 × 2.3586 / 1000 = 0.047172
    // memory: m5 family largest 96 vCPU / 384 GB → 1 chip; 384 − 75.10 = 308.90 GB above SPECpower
    //   share of the instance: 308.90 / 384 × 8 GB = 6.435417 GB per instance-hour
    //   10 h × 6.435417 × 0.000392 = 0.025226833 kWh
    const kwhIt = 0.047172 + 0.025226833;
    expectClose(e.kwhIt, kwhIt, 1e-6);
    expectClose(e.kwhFacility, kwhIt * 1.15, 1e-6);
    expect(e.pue).toBe(1.15);
    expect(e.gridIntensityGPerKwh).toBe(403);
    expectClose(e.co2eLocationKg, (kwhIt * 1.15 * 403) / 1000, 1e-6);
    expect(e.co2eMarketKg).toBe(0); // CFE share 1.0 → market-based 0
    expectClose(e.waterL, kwhIt * 0.12, 1e-6); // WUE is per kWh of IT energy
    // embodied: host 1610.79 kg (ccf-coefficients m5), host 96 vCPU: 1610.79 / 96 / 35040 × 20 vCPU-h
    expectClose(e.embodiedKg, (1610.79 / 96 / hoursPer4Years) * 20, 1e-9);
    expect(e.quality.power).toEqual({ quality: "regional" });
    expect(e.quality.embodied).toEqual({ quality: "regional" });
  });

  it("vcpu-hours and instance-hours agree for the same usage", () => {
    const byInstance = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 3,
        instanceType: "m5.large",
      }),
    );
    const byVcpu = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 6,
        instanceType: "m5.large",
      }),
    );
    expectClose(byVcpu.kwhIt, byInstance.kwhIt);
    expectClose(byVcpu.embodiedKg, byInstance.embodiedKg);
  });

  it("measured utilization replaces the default and marks power as measured", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 10,
        instanceType: "m5.large",
        cpuUtilization: 0.2,
      }),
    );
    // W = 0.613 + 0.2 × 3.4912 = 1.31124 → 20 × 1.31124 / 1000 = 0.0262248, memory as above
    expectClose(e.kwhIt, 0.0262248 + 0.025226833, 1e-6);
    expect(e.quality.power.quality).toBe("measured");
  });

  it("a record's vcpus and memoryGb override the catalog", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "m5.large",
        vcpus: 4,
        memoryGb: 32,
      }),
    );
    // 4 vCPU-h × 2.3586 W = 0.0094344 kWh; memory 308.90 / 384 × 32 GB × 0.000392 = 0.010090667
    expectClose(e.kwhIt, 0.0094344 + (308.9 / 384) * 32 * 0.000392, 1e-6);
  });

  it("GPU instances add their GPUs (p3.2xlarge: 1 × V100)", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "p3.2xlarge",
      }),
    );
    // CPU: Broadwell 0.7128 + 0.5 × 2.9725 = 2.19905 W × 8 vCPU = 0.0175924 kWh
    // GPU: V100 35 + 0.5 × (306 − 35) = 170.5 W → 0.1705 kWh
    // memory: p3 largest 64 vCPU / 488 GB, 1 chip: (488 − 69.65) / 488 × 61 GB = 52.29375 GB × 0.000392
    expectClose(e.kwhIt, 0.0175924 + 0.1705 + 52.29375 * 0.000392, 1e-6);
    // embodied: host 3543.79 kg, platform 72 vCPU → 3543.79 / 72 / 35040 × 8
    expectClose(e.embodiedKg, (3543.79 / 72 / hoursPer4Years) * 8, 1e-9);
  });

  it("newer families from provider specs: m7g (Graviton3) and c3-standard-8 (Sapphire Rapids)", () => {
    const m7g = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "m7g.large",
      }),
    );
    // Graviton3 0.4743 / 1.693 → 0.4743 + 0.5 × 1.2187 = 1.08365 W × 2 = 0.0021673 kWh
    // memory: m7g.16xlarge 64 vCPU / 256 GB, 1 chip: (256 − 129.78) / 256 × 8 = 3.944375 GB
    expectClose(m7g.kwhIt, 0.0021673 + 3.944375 * 0.000392, 1e-6);
    // host embodied modelled: 1000 + (256 − 16) × 533/384 = 1333.125 kg (CCF increments), 64 vCPU
    expectClose(m7g.embodiedKg, (1333.13 / 64 / hoursPer4Years) * 2, 1e-5);
    expect(m7g.quality.power.quality).toBe("regional");

    const c3 = estimator.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "europe-west1",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 8,
        instanceType: "c3-standard-8",
      }),
    );
    // Sapphire Rapids (GCP view) 1.0363 / 4.0621 → 1.0363 + 0.5 × 3.0258 = 2.5492 W × 8 vCPU-h
    // GCP bills RAM separately: no memory term.
    expectClose(c3.kwhIt, (8 * 2.5492) / 1000, 1e-5);
  });
});

describe("compute: utilization defaults", () => {
  it("AWS burstable t3.micro runs at its 10 % baseline", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "t3.micro",
      }),
    );
    // Cascade Lake 0.6903 + 0.10 × (4.0632 − 0.6903) = 1.02759 W × 2 vCPU = 0.00205518 kWh; t3 gets no extra memory
    expectClose(e.kwhIt, 0.00205518, 1e-6);
    // embodied on the real host (96 vCPU), not CCF's "largest t3" (8 vCPU): 1610.79 / 96 / 35040 × 2
    expectClose(e.embodiedKg, (1610.79 / 96 / hoursPer4Years) * 2, 1e-9);
  });

  it("Azure B2s runs at 20 % per vCPU; unknown microarchitecture uses the Azure average", () => {
    const e = estimator.estimate(
      record({
        provider: "azure",
        service: "Virtual Machines",
        region: "westeurope",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "Standard_B2s",
      }),
    );
    // 0.74 + 0.2 × (3.54 − 0.74) = 1.3 W × 2 vCPU = 0.0026 kWh (Bs family: 80 GB host < 80.47 GB/chip → no extra memory)
    expectClose(e.kwhIt, 0.0026, 1e-9);
    expect(e.quality.power.quality).toBe("provider-average");
    expect(e.quality.power.reason).toMatch(/microarchitecture of B2s unknown/);
  });

  it("GCP e2-micro: the billed vCPU share runs at 50 % (its baseline is already in the quantity)", () => {
    const e = estimator.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 2,
        instanceType: "e2-micro",
      }),
    );
    // e2: Skylake 0.613/3.8679, Broadwell 0.7128/3.3857, Haswell 1.8574/5.5954, EPYC 2nd 0.4743/1.5752
    // mean min 3.6575 / 4 = 0.914375, mean max 14.4242 / 4 = 3.60605
    // GCP bills e2-micro as 0.25 vCPU-seconds per second (its 12.5 % of 2 vCPUs): the share is the
    // quantity, so u = 50 %, not 12.5 % again (billing-rules.test.ts has the real SKU line).
    // W = 0.914375 + 0.5 × 2.691675 = 2.2602125 → 2 vCPU-h = 0.004520425 kWh
    expectClose(e.kwhIt, 0.004520425, 1e-5);
  });

  it("N1 mixes five generations including Sandy/Ivy Bridge: median, not mean (CCF rule)", () => {
    const e = estimator.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-central1",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 1,
        instanceType: "n1-standard-4",
      }),
    );
    // mins 0.613, 0.7128, 1.8574, 2.2122, 1.7074 → median 1.7074
    // maxes 3.8679, 3.3857, 5.5954, 8.6309, 5.5569 → median 5.5569
    expectClose(e.kwhIt, (1.7074 + 0.5 * (5.5569 - 1.7074)) / 1000, 1e-5);
  });
});

describe("compute: fallbacks", () => {
  it("no instance type: AWS average watts, provider-average quality", () => {
    const e = estimator.estimate(
      record({ provider: "aws", kind: "compute", unit: "vcpu-hours", quantity: 10 }),
    );
    // 0.74 + 0.5 × (3.5 − 0.74) = 2.12 W × 10 vCPU-h = 0.0212 kWh
    expectClose(e.kwhIt, 0.0212);
    expect(e.quality.power).toEqual({
      quality: "provider-average",
      reason: "no instance type; provider-average watts per vCPU",
    });
    expect(e.quality.embodied.quality).toBe("provider-average");
    expect(e.embodiedKg).toBeGreaterThan(0);
  });

  it("unknown instance type: average watts and a reason naming the type", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 10,
        instanceType: "zz9.huge",
      }),
    );
    expectClose(e.kwhIt, 0.0212);
    expect(e.quality.power.reason).toBe(
      'instance type "zz9.huge" not in data pack; provider-average watts per vCPU',
    );
  });

  it("instance-hours without any vCPU count assume 2 vCPUs, quality default", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 3,
        instanceType: "zz9.huge",
      }),
    );
    // 3 × 2 vCPU × 2.12 W = 0.01272 kWh
    expectClose(e.kwhIt, 0.01272);
    expect(e.quality.power.quality).toBe("default");
    expect(e.quality.power.reason).toMatch(/vCPUs per instance unknown; 2 assumed/);
  });

  it("instance-hours with the record's vCPU count use it", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 3,
        instanceType: "zz9.huge",
        vcpus: 4,
      }),
    );
    expectClose(e.kwhIt, (3 * 4 * 2.12) / 1000);
    expect(e.quality.power.quality).toBe("provider-average");
  });

  it("known type without host embodied data (Azure A1): provider median, with a reason", () => {
    const e = estimator.estimate(
      record({
        provider: "azure",
        service: "Virtual Machines",
        region: "westeurope",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "Standard_A1",
      }),
    );
    expect(e.embodiedKg).toBeGreaterThan(0);
    expect(e.quality.embodied).toEqual({
      quality: "provider-average",
      reason: "no host embodied data for A1; provider median per host vCPU",
    });
  });

  it("AWS Graviton (1st gen) has no coefficient: average watts with a reason, not silently", () => {
    const e = estimator.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 2,
        instanceType: "a1.large",
      }),
    );
    // 2 × 2.12 W; a1: 32 GB host < 80.69 GB per chip → no extra memory
    expectClose(e.kwhIt, 0.00424);
    expect(e.quality.power).toEqual({
      quality: "provider-average",
      reason: "no power coefficient for AWS Graviton; provider-average watts per vCPU",
    });
  });

  it("Ampere Altra (Azure Dpsv5) uses Graviton2 coefficients and says so", () => {
    const e = estimator.estimate(
      record({
        provider: "azure",
        service: "Virtual Machines",
        region: "westeurope",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "Standard_D2ps_v5",
      }),
    );
    // 0.4743 + 0.5 × 1.2187 = 1.08365 W × 2 = 0.0021673 kWh
    // memory: D64ps v5 64 vCPU / 208 GB, 1 chip: (208 − 129.78) / 208 × 8 GB = 3.008462 GB × 0.000392
    expectClose(e.kwhIt, 0.0021673 + ((208 - 129.78) / 208) * 8 * 0.000392, 1e-5);
    expect(e.quality.power.quality).toBe("regional");
    expect(e.quality.power.reason).toMatch(/Neoverse N1/);
  });

  it("a microarchitecture without coefficient among known ones: mean of the known, named in the reason", () => {
    const base = dataPacks["2026.1"] as DataPack;
    const m5 = base.instances.aws.get("m5.large") as InstanceTypeRow;
    const mixed: InstanceTypeRow = {
      ...m5,
      key: "test.mixed",
      name: "test.mixed",
      microarchitectures: ["Skylake", "Mystery Lake"],
    };
    const pack: DataPack = {
      ...base,
      name: "test-mixed",
      instances: {
        ...base.instances,
        aws: new Map([...base.instances.aws, ["test.mixed", mixed]]),
      },
    };
    const e = createEstimator({ pack }).estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 1,
        instanceType: "test.mixed",
        memoryGb: 0,
      }),
    );
    // Skylake only: 2.3586 W (CCF would have used the 2.12 W fallback for the whole set)
    expectClose(e.kwhIt, 0.0023586, 1e-6);
    expect(e.quality.power.reason).toBe(
      "no power coefficient for Mystery Lake; mean of the others used",
    );
  });
});
