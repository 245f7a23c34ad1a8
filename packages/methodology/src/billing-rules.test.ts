import { describe, expect, it } from "vitest";
import { createEstimator } from "./estimator";
import { expectClose, record } from "./test-support";

/**
 * Rules for billing lines whose units or semantics were wrong before issue 14 (docs/methodology.md
 * §2 and §12). Quantities are those the connectors derive from real lines (their tests read the lines
 * from test/samples); coefficients are the pack's (2026.1):
 *   AWS canopy Cascade Lake 0.6903 / 4.0632 W, ccf Cascade Lake 0.64 / 3.97 W,
 *   AWS Graviton2 0.4743 / 1.693 W, AWS provider average 0.74 / 3.5 W,
 *   GCP e2 (Skylake, Broadwell, Haswell, EPYC 2nd Gen): mean 0.914375 / 3.60605 W, GB per chip mean 76.3975,
 *   GCP N1 (five generations incl. Sandy/Ivy Bridge): median 1.7074 / 5.5569 W,
 *   memory 0.000392 kWh per GB-hour.
 */
const canopy = createEstimator();
const ccf = createEstimator({ profile: "ccf" });

const gcp = { provider: "gcp", service: "Compute Engine", region: "us-central1" } as const;

describe("GCP shared-core machines are scaled once", () => {
  it("e2-medium SKU line: 3599.929157 s of 'E2 Instance Core' is 1 vCPU share at 50 %", () => {
    // gcp/tmp_example.csv, 2020-10-01 17:00: E2 Instance Core, machine_spec e2-medium, cores 2
    const e = canopy.estimate(
      record({
        ...gcp,
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 3599.929157 / 3600,
        instanceType: "e2-medium",
        vcpus: 2,
      }),
    );
    // 0.914375 + 0.5 × 2.691675 = 2.2602125 W
    expectClose(e.kwhIt, ((3599.929157 / 3600) * 2.2602125) / 1000, 1e-6);
  });

  it("e2-micro and e2-small: instance-hours are their sustained share (0.25 / 0.5 vCPU) at 50 %", () => {
    const hour = (instanceType: string, unit: "instance-hours" | "vcpu-hours", quantity: number) =>
      canopy.estimate(record({ ...gcp, kind: "compute", unit, quantity, instanceType }));
    expectClose(hour("e2-micro", "instance-hours", 1).kwhIt, (0.25 * 2.2602125) / 1000, 1e-6);
    expectClose(hour("e2-small", "instance-hours", 1).kwhIt, (0.5 * 2.2602125) / 1000, 1e-6);
    // the SKU's 0.25 vCPU-hours per hour and one instance-hour are the same usage
    expectClose(
      hour("e2-micro", "vcpu-hours", 0.25).kwhIt,
      hour("e2-micro", "instance-hours", 1).kwhIt,
    );
    // before the fix e2-micro ran at 12.5 % on top of its 0.25 share: 45 % low
    expect(hour("e2-micro", "vcpu-hours", 0.25).kwhIt).toBeGreaterThan(
      (0.25 * (0.914375 + 0.125 * 2.691675)) / 1000 / 0.56,
    );
  });

  it("f1-micro ('Micro Instance with burstable CPU') is 0.2 vCPU of an N1 host at 50 %, in both profiles", () => {
    const f1 = record({
      ...gcp,
      kind: "compute",
      unit: "instance-hours",
      quantity: 1,
      instanceType: "f1-micro",
    });
    const n1 = record({
      ...gcp,
      kind: "compute",
      unit: "vcpu-hours",
      quantity: 0.2,
      instanceType: "n1-standard-1",
    });
    expectClose(canopy.estimate(f1).kwhIt, (0.2 * (1.7074 + 0.5 * 3.8495)) / 1000, 1e-6);
    expectClose(canopy.estimate(f1).kwhIt, canopy.estimate(n1).kwhIt);
    expectClose(ccf.estimate(f1).kwhIt, ccf.estimate(n1).kwhIt);
  });
});

describe("AWS T Unlimited surplus CPU credits", () => {
  // CUR line (documented format): USE2-CPUCredits:t3, pricing/unit vCPU-Hours, amount 0.5
  const credits = record({
    provider: "aws",
    region: "us-east-2",
    kind: "compute",
    unit: "surplus-vcpu-hours",
    quantity: 0.5,
    instanceType: "t3",
    usageType: "USE2-CPUCredits:t3",
  });
  const instanceHour = record({
    provider: "aws",
    region: "us-east-2",
    kind: "compute",
    unit: "instance-hours",
    quantity: 1,
    instanceType: "t3.micro",
  });

  it("canopy: the surplus adds only dynamic power (max − min), no idle and no embodied", () => {
    const e = canopy.estimate(credits);
    expectClose(e.kwhIt, (0.5 * (4.0632 - 0.6903)) / 1000, 1e-6);
    expect(e.embodiedKg).toBe(0);
    expect(e.quality.power.quality).toBe("regional");
  });

  it("canopy: baseline hour + surplus = the same hour at its true average utilization (nothing counted twice)", () => {
    // t3.micro earns 10 % of 2 vCPUs; 0.5 surplus vCPU-hours in that hour → u = 0.1 + 0.5 ÷ 2 = 0.35
    const measured = canopy.estimate({ ...instanceHour, cpuUtilization: 0.35 });
    expectClose(
      canopy.estimate(instanceHour).kwhIt + canopy.estimate(credits).kwhIt,
      measured.kwhIt,
    );
  });

  it("ccf: CCF counts the credits as vCPU-hours at 50 % ('CPUCredits = amount')", () => {
    expectClose(ccf.estimate(credits).kwhIt, (0.5 * (0.64 + 0.5 * (3.97 - 0.64))) / 1000, 1e-6);
  });
});

describe("Lambda", () => {
  it("-ARM usage runs on Graviton2 coefficients; x86 keeps the provider average, flagged", () => {
    // 1 vCPU-hour = 1,769 MB × 3600 s ÷ 1024 = 6219.140625 billed GiB-seconds (connector)
    const arm = canopy.estimate(
      record({
        provider: "aws",
        service: "AWSLambda",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 1,
        instanceType: "lambda-arm64",
      }),
    );
    expectClose(arm.kwhIt, (0.4743 + 0.5 * (1.693 - 0.4743)) / 1000, 1e-6);
    expect(arm.quality.power.quality).toBe("regional");
    const x86 = canopy.estimate(
      record({
        provider: "aws",
        service: "AWSLambda",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 1,
      }),
    );
    expectClose(x86.kwhIt, (0.74 + 0.5 * (3.5 - 0.74)) / 1000, 1e-6);
    expect(x86.quality.power.quality).toBe("provider-average");
  });
});

describe("billed RAM is counted like AWS/Azure instance memory: above the SPECpower share", () => {
  // gcp/tmp_example.csv, 2020-10-01 17:00: E2 Instance Ram, 15461937639360 byte-seconds, machine_spec e2-medium
  const gibHours = 15461937639360 / 2 ** 30 / 3600;

  it("GCP e2-medium RAM: (128 − 1 chip × 76.3975 GB) ÷ 128 of the billed GiB-hours", () => {
    const withType = record({
      ...gcp,
      kind: "memory",
      unit: "gb-hours",
      quantity: gibHours,
      instanceType: "e2-medium",
    });
    expectClose(
      canopy.estimate(withType).kwhIt,
      gibHours * ((128 - 76.3975) / 128) * 0.000392,
      1e-6,
    );
    // CCF's GCP table has no GB per chip: the ccf profile keeps CCF's full count, and says why
    const e = ccf.estimate(withType);
    expectClose(e.kwhIt, gibHours * 0.000392);
    expect(e.quality.power.reason).toMatch(/no SPECpower memory per chip/);
  });

  it("GCP n2-standard-4 RAM: 2 chips × 105.97 GB of a 512 GB host are inside the CPU watts", () => {
    const e = canopy.estimate(
      record({
        ...gcp,
        kind: "memory",
        unit: "gb-hours",
        quantity: 16,
        instanceType: "n2-standard-4",
      }),
    );
    expectClose(e.kwhIt, 16 * ((512 - 2 * 105.97) / 512) * 0.000392, 1e-6);
  });

  it("without a machine type the memory is counted in full, and the reason says so", () => {
    const e = canopy.estimate(
      record({ ...gcp, kind: "memory", unit: "gb-hours", quantity: gibHours }),
    );
    expectClose(e.kwhIt, gibHours * 0.000392);
    expect(e.quality.power.reason).toMatch(/counted in full/);
  });
});

describe("storage medium", () => {
  it("a medium the line does not state is a default with a reason; a stated one is regional", () => {
    // azure/EA_AmortizedCost_Small.csv: Log Analytics "Pay-as-you-go Data Retention", 24.80634996 GB/Month
    const tbHours = (24.80634996 * 720 * 2 ** 30) / 1e12;
    const base = {
      provider: "azure",
      service: "Log Analytics",
      region: "eastus",
      kind: "storage",
      unit: "tb-hours",
      quantity: tbHours,
    } as const;
    const assumed = canopy.estimate(record(base));
    expect(assumed.quality.power).toEqual({
      quality: "default",
      reason: "storage medium not stated on the billing line; SSD assumed (as CCF)",
    });
    const hdd = canopy.estimate(record({ ...base, storageClass: "hdd" }));
    expect(hdd.quality.power.quality).toBe("regional");
    expectClose(hdd.kwhIt / assumed.kwhIt, 0.65 / 1.2);
  });
});
