import { describe, expect, it } from "vitest";
import { createEstimator } from "./estimator";
import { expectClose, record } from "./test-support";

/**
 * The ccf profile against Cloud Carbon Footprint's own formulas. Every expectation is worked out
 * by hand from CCF's constants (reference folder ccf/, CCF app commit b7a049c7):
 *
 *   compute kWh = vCPU-hours × (min + 0.5 × (max − min)) ÷ 1000 × PUE × replication
 *   memory kWh  = extra GB-hours × 0.000392 × PUE × replication
 *   storage kWh = TB-hours × Wh coefficient ÷ 1000 × PUE × replication
 *   network kWh = GB × 0.001 × PUE
 *   CO2e (t)    = kWh × grid factor (t/kWh)        → kg = kWh × g/kWh ÷ 1000
 *
 * PUE: AWS 1.135, Azure 1.185, GCP 1.1 with regional values (europe-west1 1.09, us-central1 1.11).
 * Operational kWh and CO2e must agree within 0.5 %.
 */
const ccf = createEstimator({ profile: "ccf" });
const within = 0.005;

describe("ccf profile reproduces CCF's operational figures", () => {
  it("methodology version names the profile and the pack", () => {
    expect(ccf.methodologyVersion).toBe("ccf-2.0.0+pack.2026.1");
  });

  it("AWS m5.large, us-east-1, one day", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 24,
        instanceType: "m5.large",
      }),
    );
    // Skylake (AWS) 0.65 / 4.26 W → 0.65 + 0.5 × 3.61 = 2.455 W; 48 vCPU-h → 0.11784 kWh
    // memory: CCF table ccf_extra_memory_gb_per_instance_hour(m5.large) = 6.30583333 GB
    //   24 h × 6.30583333 × 0.000392 = 0.059325280 kWh
    // IT 0.177165280 × PUE 1.135 = 0.201082593 kWh
    const kwhFacility = (0.11784 + 24 * 6.30583333 * 0.000392) * 1.135;
    expectClose(e.kwhFacility, kwhFacility, within);
    // us-east-1 (SERC, eGRID2020) 0.000379069 t/kWh = 379.069 g/kWh → 0.076224 kg
    expectClose(e.co2eLocationKg, (kwhFacility * 379.069) / 1000, within);
    expect(e.gridIntensityGPerKwh).toBe(379.069);
    expect(e.pue).toBe(1.135);
  });

  it("AWS p3.2xlarge (V100), us-east-1, one hour", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "p3.2xlarge",
      }),
    );
    // CPU Broadwell 0.71 / 3.69 → 2.2 W × 8 vCPU = 0.0176 kWh
    // GPU V100 35 / 306 → 170.5 W × 1 GPU = 0.1705 kWh
    // memory: CCF table 52.29375 GB × 0.000392 = 0.0204991 kWh
    const kwhFacility = (0.0176 + 0.1705 + 52.29375 * 0.000392) * 1.135; // 0.236760 kWh
    expectClose(e.kwhFacility, kwhFacility, within);
    expectClose(e.co2eLocationKg, (kwhFacility * 379.069) / 1000, within);
  });

  it("GCP n2-standard-4, europe-west1, 96 vCPU-hours", () => {
    const e = ccf.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "europe-west1",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 96,
        instanceType: "n2-standard-4",
      }),
    );
    // Cascade Lake 0.64 / 3.97 → 2.305 W × 96 = 0.22128 kWh × PUE 1.09 = 0.2411952 kWh
    expectClose(e.kwhFacility, 0.2411952, within);
    // europe-west1 0.000110 t/kWh → 0.2411952 × 110 / 1000 = 0.026531 kg
    expectClose(e.co2eLocationKg, 0.026531472, within);
  });

  it("Azure D4s v3, westeurope, 10 hours", () => {
    const e = ccf.estimate(
      record({
        provider: "azure",
        service: "Virtual Machines",
        region: "westeurope",
        kind: "compute",
        unit: "instance-hours",
        quantity: 10,
        instanceType: "Standard_D4s_v3",
      }),
    );
    // mean of Cascade Lake, Skylake, Broadwell, Haswell: min (0.64+0.65+0.71+1.00)/4 = 0.75,
    // max (3.97+4.26+3.69+4.74)/4 = 4.165 → 2.4575 W × 40 vCPU-h = 0.0983 kWh
    // memory: CCF table 11.675 GB per hour × 10 × 0.000392 = 0.045766 kWh
    const kwhFacility = (0.0983 + 0.045766) * 1.185; // 0.170718 kWh
    expectClose(e.kwhFacility, kwhFacility, within);
    // westeurope 0.0003284 t/kWh → 0.056064 kg
    expectClose(e.co2eLocationKg, (kwhFacility * 328.4) / 1000, within);
  });

  it("S3 standard storage, eu-west-1, 1 TB for 30 days (HDD, replication 6)", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        service: "AmazonS3",
        region: "eu-west-1",
        kind: "storage",
        unit: "tb-hours",
        quantity: 720,
        usageType: "EU-TimedStorage-ByteHrs",
        storageClass: "hdd",
      }),
    );
    // 720 TB-h × 0.65 Wh ÷ 1000 × 6 = 2.808 kWh × 1.135 = 3.18708 kWh
    expectClose(e.kwhFacility, 3.18708, within);
    // eu-west-1 0.0002786 t/kWh → 0.887920 kg
    expectClose(e.co2eLocationKg, 0.88792049, within);
  });

  it("EBS SSD volume, ap-southeast-2, 0.5 TB for a day (replication 2)", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        region: "ap-southeast-2",
        kind: "storage",
        unit: "tb-hours",
        quantity: 12,
        usageType: "APS2-EBS:VolumeUsage.gp2",
        storageClass: "ssd",
      }),
    );
    // 12 TB-h × 1.2 Wh ÷ 1000 × 2 = 0.0288 kWh × 1.135 = 0.032688 kWh; × 760 g → 0.02484288 kg
    expectClose(e.kwhFacility, 0.032688, within);
    expectClose(e.co2eLocationKg, 0.02484288, within);
  });

  it("Cloud Storage single region, europe-west1 (replication 2)", () => {
    const e = ccf.estimate(
      record({
        provider: "gcp",
        service: "Cloud Storage",
        region: "europe-west1",
        kind: "storage",
        unit: "tb-hours",
        quantity: 10,
        usageType: "Standard Storage Belgium",
        storageClass: "ssd",
      }),
    );
    // 10 × 1.2 ÷ 1000 × 2 = 0.024 kWh × 1.09 = 0.02616 kWh × 110 g → 0.0028776 kg
    expectClose(e.kwhFacility, 0.02616, within);
    expectClose(e.co2eLocationKg, 0.0028776, within);
  });

  it("inter-region network, us-east-2, 100 GB", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        region: "us-east-2",
        kind: "network",
        unit: "gb",
        quantity: 100,
        usageType: "USE2-DataTransfer-Regional-Bytes",
      }),
    );
    // 100 × 0.001 = 0.1 kWh × 1.135 = 0.1135 kWh × 410.608 g (RFC) → 0.046604 kg
    expectClose(e.kwhFacility, 0.1135, within);
    expectClose(e.co2eLocationKg, 0.046604008, within);
  });

  it("T Unlimited CPU credits, us-east-2, 0.5 vCPU-hours: CCF's vCPU-hours at 50 %", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        region: "us-east-2",
        kind: "compute",
        unit: "surplus-vcpu-hours",
        quantity: 0.5,
        instanceType: "t3",
        usageType: "USE2-CPUCredits:t3",
      }),
    );
    // CCF: "CPUCredits = amount" vCPU-hours; t3 Cascade Lake 0.64 / 3.97 at 50 % = 2.305 W
    // 0.5 × 2.305 = 1.1525 Wh × 1.135 = 0.0013080875 kWh
    expectClose(e.kwhFacility, 0.0013080875, within);
  });

  it("GCP memory, us-west1, 64 GB-hours (no replication on GCP memory)", () => {
    const e = ccf.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "us-west1",
        kind: "memory",
        unit: "gb-hours",
        quantity: 64,
      }),
    );
    // 64 × 0.000392 = 0.025088 kWh × 1.1 = 0.0275968 kWh × 60 g → 0.001655808 kg
    expectClose(e.kwhFacility, 0.0275968, within);
    expectClose(e.co2eLocationKg, 0.001655808, within);
  });
});

describe("where CCF is wrong, the ccf profile gives the correct figure", () => {
  it("embodied: the vCPU share does not cancel (CCF defect 1)", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "m5.xlarge",
      }),
    );
    // SCI: host 1610.79 kg × (4 vCPU ÷ 96) × (1 h ÷ 35040 h) = 0.00191549 kg
    expectClose(e.embodiedKg, (1610.79 * (4 / 96)) / 35_040, 1e-6);
    // CCF's code yields 1610.3792 ÷ (35040 × 96) = 0.000478732 kg for every m5 size: 4× too small
    expectClose(e.embodiedKg / 0.000478732, 4, 0.001);
  });

  it("kWh is energy only: CCF adds embodied ÷ grid factor to kWh, Canopy does not", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "m5.large",
      }),
    );
    // operational only: (2 × 2.455 / 1000 + 6.30583333 × 0.000392) × 1.135 = 0.008378441 kWh
    expectClose(e.kwhFacility, (0.00491 + 6.30583333 * 0.000392) * 1.135, 1e-6);
    // CCF would add 0.000478732 kg ÷ 0.379069 kg/kWh = 0.001263 "kWh" (+15 %)
  });

  it("u-6tb1.metal: embodied is the host's 35,790 kg, not its 6144 GB of memory read as tonnes (defect 2)", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "u-6tb1.metal",
      }),
    );
    // 35789.79 kg × (448 ÷ 448) ÷ 35040 = 1.021399 kg per hour (CCF: 6144 t → 175 kg per hour)
    expectClose(e.embodiedKg, 35789.79 / 35_040, 1e-6);
  });

  it("GCP n2d is AMD EPYC 2nd Gen, not Cascade Lake via a two-character lookup (defect 3)", () => {
    const e = ccf.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "europe-west1",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 96,
        instanceType: "n2d-standard-4",
      }),
    );
    // EPYC 2nd Gen 0.47 / 1.69 → 1.08 W × 96 = 0.10368 kWh (CCF: 2.305 W → 0.22128 kWh)
    expectClose(e.kwhIt, 0.10368, 1e-6);
  });

  it("GCP t2d resolves to AMD EPYC 3rd Gen instead of the unknown fallback (defect 3)", () => {
    const e = ccf.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "europe-west1",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 10,
        instanceType: "t2d-standard-4",
      }),
    );
    // 0.45 + 0.5 × (2.02 − 0.45) = 1.235 W × 10 = 0.01235 kWh (CCF: GCP fallback 0.68/4.11 → 0.02395)
    expectClose(e.kwhIt, 0.01235, 1e-6);
    expect(e.quality.power.quality).toBe("regional");
  });

  it("GCP 'Nvidia Tesla T4' SKUs are T4s, not the GPU average (defect 4)", () => {
    const e = ccf.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "europe-west1",
        kind: "gpu",
        unit: "gpu-hours",
        quantity: 1,
        gpuModel: "Nvidia Tesla T4 GPU running in EMEA",
      }),
    );
    expectClose(e.kwhIt, 0.0395); // 8 + 0.5 × 63 = 39.5 W
  });

  it("Ice Lake (m6i) uses Ice Lake coefficients instead of the silent fallback (defect 7)", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "m6i.large",
      }),
    );
    // Ice Lake (ccf-coefficients) 0.7668 / 3.7582 → 2.2625 W × 2 = 0.004525 kWh
    // memory: m6i family largest 128 vCPU / 512 GB → 2 chips; 512 − 2 × 136 = 240 GB above SPECpower
    //   240 / 512 × 8 GB = 3.75 GB × 0.000392 = 0.00147 kWh
    expectClose(e.kwhIt, 0.004525 + 0.00147, 1e-4);
    expect(e.quality.power.reason).toMatch(/ccf-coefficients/);
  });

  it("AWS AMD EPYC 3rd Gen (m6a) uses CCF's own EPYC 3rd Gen value; memory counts every chip (defect 7)", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1,
        instanceType: "m6a.large",
      }),
    );
    // 0.45 / 2.02 (CCF Azure/GCP table) → 1.235 W × 2 = 0.00247 kWh (CCF: fallback 2.12 W → 0.00424)
    // memory: 768 GB host, 2 chips × 128 GB → (768 − 256) / 768 × 8 = 5.333 GB × 0.000392 = 0.00209067
    //   (CCF: (768 / 2 − 80.69) × 8 / 768 = 3.159 GB, the per-chip figure)
    expectClose(e.kwhIt, 0.00247 + (512 / 768) * 8 * 0.000392, 1e-6);
  });

  it("unknown microarchitectures are flagged, not silent (AWS Graviton, a1)", () => {
    const e = ccf.estimate(
      record({
        provider: "aws",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 2,
        instanceType: "a1.large",
      }),
    );
    expectClose(e.kwhIt, (2 * 2.12) / 1000); // same number CCF computes …
    expect(e.quality.power.quality).toBe("provider-average"); // … but it says so
  });

  it("burstable families: CCF's vCPU-hours × baseline ÷ 50 % in the ccf profile, their baseline in canopy", () => {
    const t3 = record({
      provider: "aws",
      kind: "compute",
      unit: "instance-hours",
      quantity: 1,
      instanceType: "t3.micro",
    });
    // ccf: CCF's burstable rule, vCPU-hours = 2 × 10 % ÷ 50 % = 0.4 per instance-hour (the CCF
    // table's ccf_vcpu_hours_per_instance_hour for t3.micro), at Cascade Lake 0.64 / 3.97 and 50 %
    // = 2.305 W → 0.4 × 2.305 = 0.000922 kWh
    expectClose(ccf.estimate(t3).kwhIt, 0.000922);
    // canopy: 10 % baseline on the newer coefficients → 0.00205518 kWh (see compute.test.ts)
    expectClose(createEstimator().estimate(t3).kwhIt, 0.00205518, 1e-6);
    // ccf embodied share uses CCF's "largest t3" (8 vCPU) as host: 1610.79 × 2/8 / 35040
    expectClose(ccf.estimate(t3).embodiedKg, (1610.79 * 0.25) / 35_040, 1e-6);
  });
});
