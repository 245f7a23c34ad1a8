import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Estimate, Quality } from "./estimate-types";
import { createEstimator } from "./estimator";
import { record } from "./test-support";
import {
  providers,
  usageKinds,
  usageRecordSchema,
  usageUnits,
  type UsageRecord,
} from "./usage-record";

/**
 * Property-based tests over random *valid* records (every generated record passes the zod
 * schema): no NaN, no Infinity, nothing negative, whatever the combination of kind, unit,
 * region, instance type and optional fields.
 */

const knownRegions = [
  "us-east-1",
  "eu-west-1",
  "westeurope",
  "West Europe",
  "eastus",
  "us-central1",
  "europe-west4-b",
  "nam4",
  "us",
  "asia-east1",
  "ap-south-2",
  "",
];
const knownTypes = [
  "m5.large",
  "t3.micro",
  "p3.2xlarge",
  "m7g.large",
  "u-6tb1.metal",
  "a1.large",
  "Standard_D2s_v5",
  "Standard_B2s",
  "Standard_D2ps_v5",
  "n2-standard-4",
  "e2-micro",
  "n2-custom-4-8192",
  "c3-standard-8",
  "n1-standard-8",
];
const knownServices = [
  "AmazonEC2",
  "AmazonS3",
  "AmazonRDS",
  "Storage",
  "Cloud Storage",
  "Compute Engine",
  "Cloud SQL",
  "Virtual Machines",
];
const knownUsageTypes = [
  "USE1-TimedStorage-ByteHrs",
  "EBS:VolumeUsage.gp3",
  "Multi-AZUsage:db.m5.large",
  "Aurora",
  "LRS Data Stored",
  "Regional - Standard storage",
  "Snapshot",
];

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const positive = fc.double({
  min: Number.MIN_VALUE,
  max: 1e300,
  noNaN: true,
  noDefaultInfinity: true,
});
const nonNegative = fc.double({ min: 0, max: 1e300, noNaN: true, noDefaultInfinity: true });

const recordArbitrary: fc.Arbitrary<UsageRecord> = fc
  .record({
    provider: fc.constantFrom(...providers),
    accountId: fc.string({ minLength: 1, maxLength: 8 }),
    periodStart: fc
      .date({
        min: new Date("1990-01-01T00:00:00Z"),
        max: new Date("2090-12-31T23:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
    periodHours: fc.oneof(
      fc.constantFrom(1, 24, 720),
      fc.double({ min: 1e-6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
    ),
    service: fc.oneof(
      fc.constantFrom(...knownServices),
      fc.string({ minLength: 1, maxLength: 12 }),
    ),
    region: fc.oneof(fc.constantFrom(...knownRegions), fc.string({ maxLength: 12 })),
    kind: fc.constantFrom(...usageKinds),
    quantity: fc.oneof(fc.constantFrom(0, 1, 24), nonNegative),
    unit: fc.constantFrom(...usageUnits),
    usageType: optional(
      fc.oneof(fc.constantFrom(...knownUsageTypes), fc.string({ maxLength: 20 })),
    ),
    instanceType: optional(fc.oneof(fc.constantFrom(...knownTypes), fc.string({ maxLength: 16 }))),
    vcpus: optional(positive),
    memoryGb: optional(nonNegative),
    gpuModel: optional(
      fc.oneof(
        fc.constantFrom("Nvidia Tesla T4", "nvidia-tesla-a100", "NVIDIA H100"),
        fc.string({ maxLength: 12 }),
      ),
    ),
    gpuCount: optional(nonNegative),
    storageClass: optional(fc.constantFrom("ssd" as const, "hdd" as const)),
    replicationHint: optional(positive),
    cpuUtilization: optional(fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .map((fields) => {
    // drop undefined optionals the way a parser would, and validate with the real schema
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    return usageRecordSchema.parse(clean);
  });

const qualities: readonly Quality[] = ["measured", "regional", "provider-average", "default"];

function expectWellFormed(e: Estimate): void {
  for (const key of [
    "kwhIt",
    "kwhFacility",
    "pue",
    "gridIntensityGPerKwh",
    "co2eLocationKg",
    "co2eMarketKg",
    "embodiedKg",
    "waterL",
  ] as const) {
    const value = e[key];
    expect(Number.isFinite(value), `${key} = ${value}`).toBe(true);
    expect(value, key).toBeGreaterThanOrEqual(0);
  }
  expect(e.pue).toBeGreaterThanOrEqual(1);
  expect(e.kwhFacility).toBeGreaterThanOrEqual(e.kwhIt);
  expect(e.co2eMarketKg).toBeLessThanOrEqual(e.co2eLocationKg);
  for (const factor of Object.values(e.quality)) {
    expect(qualities).toContain(factor.quality);
    if (factor.reason !== undefined) expect(factor.reason.length).toBeGreaterThan(0);
  }
}

const canopy = createEstimator();
const ccf = createEstimator({ profile: "ccf" });

describe("estimator properties", () => {
  it("canopy: every output finite and non-negative for any valid record", () => {
    fc.assert(
      fc.property(recordArbitrary, (r) => expectWellFormed(canopy.estimate(r))),
      { numRuns: 3000 },
    );
  });

  it("treats billing values named like Object.prototype members as plain unknown values", () => {
    for (const profile of ["canopy", "ccf"] as const) {
      const estimator = createEstimator({ profile });
      for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
        for (const field of [
          "instanceType",
          "region",
          "service",
          "usageType",
          "gpuModel",
        ] as const) {
          const r = record({
            provider: "aws",
            kind: "compute",
            unit: "vcpu-hours",
            quantity: 1,
            [field]: name,
          });
          expectWellFormed(estimator.estimate(r));
        }
      }
    }
  });

  it("ccf: every output finite and non-negative for any valid record", () => {
    fc.assert(
      fc.property(recordArbitrary, (r) => expectWellFormed(ccf.estimate(r))),
      { numRuns: 3000 },
    );
  });

  it("any hourly source (NaN, negative, Infinity, huge) still gives finite non-negative output", () => {
    fc.assert(
      fc.property(recordArbitrary, fc.double(), (r, hourlyValue) => {
        const estimator = createEstimator({ hourlyGridIntensity: () => hourlyValue });
        expectWellFormed(estimator.estimate(r));
      }),
      { numRuns: 1000 },
    );
  });

  it("energy, emissions, embodied and water scale linearly with quantity", () => {
    fc.assert(
      fc.property(
        recordArbitrary,
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        (raw, quantity) => {
          // Linearity is a claim about real inputs: denormal or astronomically large hardware sizes
          // (which the no-NaN property above still covers) lose precision in any arithmetic.
          const size = (v: number | undefined) =>
            v === undefined ? v : Math.min(Math.max(v, 1e-3), 1e4);
          const r = {
            ...raw,
            vcpus: size(raw.vcpus),
            memoryGb: size(raw.memoryGb),
            gpuCount: size(raw.gpuCount),
            replicationHint: size(raw.replicationHint),
          };
          const one = canopy.estimate({ ...r, quantity });
          // keep clear of the overflow guard, where doubling would cross into "not estimated"
          fc.pre(
            [one.kwhIt, one.co2eLocationKg, one.embodiedKg, one.waterL].every((v) => v < 1e200),
          );
          const two = canopy.estimate({ ...r, quantity: quantity * 2 });
          for (const key of [
            "kwhIt",
            "co2eLocationKg",
            "co2eMarketKg",
            "embodiedKg",
            "waterL",
          ] as const) {
            const expected = 2 * one[key];
            expect(Math.abs(two[key] - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("higher measured CPU utilization never lowers compute energy", () => {
    fc.assert(
      fc.property(
        recordArbitrary.filter((r) => r.kind === "compute" && r.quantity < 1e12),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (r, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const eLow = canopy.estimate({ ...r, cpuUtilization: low });
          fc.pre(eLow.kwhIt < 1e200);
          const eHigh = canopy.estimate({ ...r, cpuUtilization: high });
          expect(eHigh.kwhIt).toBeGreaterThanOrEqual(eLow.kwhIt * (1 - 1e-12));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("absurd quantities are not estimated instead of overflowing", () => {
    const e = canopy.estimate(
      usageRecordSchema.parse({
        provider: "aws",
        accountId: "1",
        periodStart: "2024-01-05T00:00:00Z",
        periodHours: 1,
        service: "AmazonEC2",
        region: "us-east-1",
        kind: "compute",
        unit: "instance-hours",
        quantity: 1e300,
        vcpus: 1e300,
        instanceType: "m5.large",
      }),
    );
    expectWellFormed(e);
    expect(e.kwhIt).toBe(0);
    expect(e.quality.power.quality).toBe("default");
    expect(e.quality.power.reason).toMatch(/too large/);
  });
});
