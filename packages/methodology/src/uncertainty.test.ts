import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Quality } from "./estimate-types";
import { createEstimator } from "./estimator";
import { record } from "./test-support";
import {
  co2eRangeKg,
  operationalRelativeRange,
  rangeOf,
  relativeRanges,
  spendBasedRelativeRange,
} from "./uncertainty";
import { usageKinds, usageUnits, type UsageRecord } from "./usage-record";

const estimator = createEstimator();
const qualities: readonly Quality[] = ["measured", "regional", "provider-average", "default"];

const recordArbitrary = fc
  .record({
    provider: fc.constantFrom("aws" as const, "azure" as const, "gcp" as const),
    region: fc.constantFrom("us-east-1", "eu-west-1", "westeurope", "us-central1", "nowhere-9"),
    kind: fc.constantFrom(...usageKinds),
    unit: fc.constantFrom(...usageUnits),
    quantity: fc.double({ min: 0, max: 1e9, noNaN: true }),
    instanceType: fc.constantFrom(
      "m5.large",
      "t3.micro",
      "Standard_D2s_v5",
      "n2-standard-4",
      "zz.9",
    ),
    cpuUtilization: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    storageClass: fc.option(fc.constantFrom("ssd" as const, "hdd" as const), { nil: undefined }),
  })
  .map((f) =>
    record(
      Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Pick<
        UsageRecord,
        "provider" | "kind" | "unit" | "quantity"
      >,
    ),
  );

describe("uncertainty ranges", () => {
  it("low ≤ central ≤ high, finite and not negative, for any valid record", () => {
    fc.assert(
      fc.property(recordArbitrary, (r) => {
        const e = estimator.estimate(r);
        const central = e.co2eLocationKg + e.embodiedKg;
        const { lowKg, highKg } = co2eRangeKg(e);
        expect(Number.isFinite(lowKg) && Number.isFinite(highKg)).toBe(true);
        expect(lowKg).toBeGreaterThanOrEqual(0);
        expect(lowKg).toBeLessThanOrEqual(central * (1 + 1e-12));
        expect(highKg).toBeGreaterThanOrEqual(central * (1 - 1e-12));
      }),
      { numRuns: 500 },
    );
  });

  it("totals are the sums of their parts, and the summed range still brackets the summed central", () => {
    fc.assert(
      fc.property(fc.array(recordArbitrary, { minLength: 1, maxLength: 30 }), (records) => {
        let central = 0;
        let low = 0;
        let high = 0;
        for (const r of records) {
          const e = estimator.estimate(r);
          const range = co2eRangeKg(e);
          central += e.co2eLocationKg + e.embodiedKg;
          low += range.lowKg;
          high += range.highKg;
        }
        expect(low).toBeLessThanOrEqual(central * (1 + 1e-12));
        expect(high).toBeGreaterThanOrEqual(central * (1 - 1e-12));
      }),
      { numRuns: 200 },
    );
  });

  it("scales with the quantity (the set-based estimate multiplies per-unit ranges)", () => {
    fc.assert(
      fc.property(recordArbitrary, fc.double({ min: 1, max: 1e4, noNaN: true }), (r, k) => {
        const one = co2eRangeKg(estimator.estimate({ ...r, quantity: 1 }));
        const many = co2eRangeKg(estimator.estimate({ ...r, quantity: k }));
        expect(many.lowKg).toBeCloseTo(one.lowKg * k, 6);
        expect(many.highKg).toBeCloseTo(one.highKg * k, 6);
      }),
      { numRuns: 200 },
    );
  });

  it("a negative correction keeps low ≤ high", () => {
    expect(rangeOf(-10, 0.5)).toEqual({ lowKg: -15, highKg: -10 / 1.5 });
    expect(rangeOf(10, spendBasedRelativeRange)).toEqual({ lowKg: 5, highKg: 20 });
  });

  it("a worse input never narrows the range", () => {
    for (const table of Object.values(relativeRanges))
      for (let i = 1; i < qualities.length; i++)
        expect(table[qualities[i]!]).toBeGreaterThanOrEqual(table[qualities[i - 1]!]);
  });

  // A real CUR line: lineItem/UsageType USE1-BoxUsage:m5.large, 1 instance-hour in us-east-1.
  it("measured utilization narrows the range of a real EC2 line", () => {
    const line = record({
      provider: "aws",
      service: "AmazonEC2",
      region: "us-east-1",
      kind: "compute",
      unit: "instance-hours",
      quantity: 1,
      usageType: "USE1-BoxUsage:m5.large",
      instanceType: "m5.large",
    });
    const assumed = estimator.estimate(line);
    const measured = estimator.estimate({ ...line, cpuUtilization: 0.5 });
    expect(assumed.quality.power.quality).toBe("regional");
    expect(measured.quality.power.quality).toBe("measured");
    expect(operationalRelativeRange(measured.quality)).toBeLessThan(
      operationalRelativeRange(assumed.quality),
    );
    const width = (e: typeof assumed) => {
      const r = co2eRangeKg(e);
      return (r.highKg - r.lowKg) / (e.co2eLocationKg + e.embodiedKg);
    };
    expect(width(measured)).toBeLessThan(width(assumed));
  });
});
