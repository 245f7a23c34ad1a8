import { describe, expect, it } from "vitest";
import { noConstraints, type ResourceUtilizationSummary, type WorkloadUsage } from "@canopy/db";
import { createEstimator, resolveDataPack } from "@canopy/methodology";
import {
  idleInstances,
  rightsizing,
  sizeDownOf,
  utilizationFindings,
  utilizationThresholds,
} from "./rules/rightsizing";
import { PriceBook, type RuleContext } from "./workload";

const pack = resolveDataPack();
const estimator = createEstimator({ pack });
const basisStart = new Date("2025-06-01T00:00:00Z");
const account = "00000000-0000-4000-8000-000000000001";

function usage(fields: Partial<WorkloadUsage> = {}): WorkloadUsage {
  return {
    cloudAccountId: account,
    provider: "aws",
    service: "AmazonEC2",
    region: "us-east-1",
    kind: "compute",
    unit: "instance-hours",
    usageType: "USE1-BoxUsage:m5.xlarge",
    instanceType: "m5.xlarge",
    vcpus: null,
    memoryGb: null,
    gpuModel: null,
    gpuCount: null,
    storageClass: null,
    replicationHint: null,
    cpuUtilization: null,
    residency: null,
    quantity: 720,
    costAmount: 138.24, // 0.192 per hour
    costedQuantity: 720,
    currency: "USD",
    activePeriods: 720,
    activeHours: 720,
    ...fields,
  };
}

function contextFor(workloads: WorkloadUsage[]): RuleContext {
  return {
    basisMonth: "2025-06-01",
    basisStart,
    basisEnd: new Date("2025-07-01T00:00:00Z"),
    monthScale: 1,
    estimator,
    pack,
    constraints: noConstraints,
    prices: new PriceBook(pack, workloads),
    firstSeen: new Map(),
    minSavedKgPerMonth: 0.01,
  };
}

const measured = (fields: Partial<ResourceUtilizationSummary>): ResourceUtilizationSummary => ({
  cloudAccountId: account,
  resourceId: "i-0abc",
  region: "us-east-1",
  instanceType: "m5.xlarge",
  hours: 720,
  meanCpu: 0.05,
  p95Cpu: 0.08,
  maxCpu: 0.3,
  ...fields,
});

const record = (instanceType: string, cpuUtilization: number, hours = 720) => ({
  provider: "aws" as const,
  accountId: account,
  periodStart: basisStart.toISOString(),
  periodHours: 1,
  service: "AmazonEC2",
  region: "us-east-1",
  kind: "compute" as const,
  quantity: hours,
  unit: "instance-hours" as const,
  usageType: "USE1-BoxUsage:m5.xlarge",
  instanceType,
  cpuUtilization,
});

describe("rightsizing and idle instances from measured CPU", () => {
  it("the next size down keeps the family and the memory per vCPU", () => {
    expect(sizeDownOf(pack, "aws", "m5.xlarge")?.to.name).toBe("m5.large");
    // m5.large (2 vCPUs) has no 1-vCPU m5: nothing to propose.
    expect(sizeDownOf(pack, "aws", "m5.large")).toBeUndefined();
  });

  it("a VM whose hourly CPU never reaches 2 % is idle: saving its whole estimate and its billed cost", () => {
    const w = usage();
    const [finding, ...rest] = utilizationFindings(
      contextFor([w]),
      [w],
      [measured({ meanCpu: 0.008, p95Cpu: 0.012, maxCpu: 0.019 })],
    );
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe(idleInstances);
    expect(finding?.resourceKey).toBe(`${account}|i-0abc`);
    const e = estimator.estimate(record("m5.xlarge", 0.008));
    expect(finding?.co2eLocationSavedKgPerMonth).toBeCloseTo(e.co2eLocationKg, 6);
    expect(finding?.co2eMarketSavedKgPerMonth).toBeCloseTo(e.co2eMarketKg, 6);
    expect(finding?.waterSavedLPerMonth).toBeCloseTo(e.waterL, 6);
    // 720 h × 0.192 per hour, removed.
    expect(finding?.costDeltaAmountPerMonth).toBeCloseTo(-138.24, 4);
    expect(finding?.costCurrency).toBe("USD");
    expect(finding?.details).toMatchObject({ measuredHours: 720, maxCpu: 0.019 });
  });

  it("p95 under 10 % proposes one size down at twice the utilization, CO2e and cost on the same line", () => {
    const xlarge = usage();
    const large = usage({
      instanceType: "m5.large",
      usageType: "USE1-BoxUsage:m5.large",
      quantity: 100,
      costAmount: 9.6,
      costedQuantity: 100,
    });
    const [finding] = utilizationFindings(
      contextFor([xlarge, large]),
      [xlarge, large],
      [measured({})],
    );
    expect(finding?.ruleId).toBe(rightsizing);
    expect(finding?.action).toContain("m5.large");
    const now = estimator.estimate(record("m5.xlarge", 0.05));
    const after = estimator.estimate(record("m5.large", 0.1));
    expect(finding?.co2eLocationSavedKgPerMonth).toBeCloseTo(
      now.co2eLocationKg - after.co2eLocationKg,
      6,
    );
    expect(finding?.co2eLocationSavedKgPerMonth).toBeGreaterThan(0);
    // Own unit prices: m5.large 9.6 / 100 = 0.096, m5.xlarge 0.192; 720 h × (0.096 − 0.192).
    expect(finding?.costDeltaAmountPerMonth).toBeCloseTo(720 * (0.096 - 0.192), 4);
    expect(finding?.details).toMatchObject({ vcpus: { from: 4, to: 2 }, cpuUtilizationAfter: 0.1 });
    expect(finding?.confidence).toBe("low");
  });

  it("prices vCPU-hour bills (AWS CUR, GCP) per vCPU of each size", () => {
    const perVcpu = (type: string, quantity: number, cost: number) =>
      usage({
        instanceType: type,
        usageType: `USE1-BoxUsage:${type}`,
        unit: "vcpu-hours",
        vcpus: null,
        quantity,
        costAmount: cost,
        costedQuantity: quantity,
      });
    // m5.xlarge: 4 vCPUs × 720 h at 0.048 per vCPU-hour; m5.large billed at 0.05 per vCPU-hour.
    const xlarge = perVcpu("m5.xlarge", 2880, 138.24);
    const large = perVcpu("m5.large", 200, 10);
    const [finding] = utilizationFindings(
      contextFor([xlarge, large]),
      [xlarge, large],
      [measured({})],
    );
    expect(finding?.ruleId).toBe(rightsizing);
    expect(finding?.costDeltaAmountPerMonth).toBeCloseTo(720 * (2 * 0.05 - 4 * 0.048), 4);
  });

  it("without a price for the smaller size the cost is null with the reason", () => {
    const w = usage();
    const [finding] = utilizationFindings(contextFor([w]), [w], [measured({})]);
    expect(finding?.costDeltaAmountPerMonth).toBeNull();
    expect(finding?.costNote).toBe("no price for m5.large in region us-east-1");
  });

  it("busy VMs, short measurements and VMs the bill does not show give no finding", () => {
    const w = usage();
    const none = utilizationFindings(
      contextFor([w]),
      [w],
      [
        measured({ resourceId: "i-busy", p95Cpu: 0.35, maxCpu: 0.9, meanCpu: 0.2 }),
        measured({
          resourceId: "i-new",
          hours: utilizationThresholds.minMeasuredHours - 1,
          maxCpu: 0.01,
          p95Cpu: 0.01,
        }),
        measured({ resourceId: "i-elsewhere", region: "eu-west-1", maxCpu: 0.01, p95Cpu: 0.01 }),
        measured({
          resourceId: "i-other-type",
          instanceType: "c5.xlarge",
          maxCpu: 0.01,
          p95Cpu: 0.01,
        }),
      ],
    );
    expect(none).toEqual([]);
  });

  it("matches the bill's Azure size spelling whatever its case", () => {
    const w = usage({
      provider: "azure",
      service: "Virtual Machines",
      region: "eastus",
      usageType: "D4s v3",
      instanceType: "Standard_D4s_v3",
    });
    const [finding] = utilizationFindings(
      contextFor([w]),
      [w],
      [
        measured({
          region: "eastus",
          instanceType: "standard_d4s_v3",
          resourceId: "/subscriptions/x/vm1",
          maxCpu: 0.01,
          p95Cpu: 0.01,
          meanCpu: 0.005,
        }),
      ],
    );
    expect(finding?.ruleId).toBe(idleInstances);
  });
});
