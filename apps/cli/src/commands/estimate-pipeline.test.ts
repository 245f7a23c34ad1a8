import { describe, expect, it } from "vitest";
import {
  createEstimator,
  scaledFigures,
  scaleEstimate,
  usageRecordSchema,
  type Estimator,
  type UsageRecord,
} from "@canopy/methodology";
import { withLinearShapeCache } from "./estimate-pipeline";

const estimator = createEstimator();

const records: UsageRecord[] = [3, 5, 0.25, 7, 1e6].flatMap((quantity, i) =>
  [
    { kind: "compute", unit: "instance-hours", instanceType: "m5.xlarge", service: "AmazonEC2" },
    { kind: "storage", unit: "tb-hours", storageClass: "ssd", service: "AmazonEC2" },
    { kind: "compute", unit: "instance-hours", instanceType: "t3.micro", service: "AmazonEC2" },
  ].map((shape) =>
    usageRecordSchema.parse({
      provider: "aws",
      accountId: "123456789012",
      periodStart: `2024-0${1 + (i % 2)}-01T00:00:00Z`,
      periodHours: 1,
      region: i % 2 === 0 ? "us-east-1" : "eu-west-1",
      quantity,
      ...shape,
    }),
  ),
);

function expectSameEstimates(cached: Estimator, exact: Estimator) {
  for (const r of records) {
    const a = cached.estimate(r);
    const b = exact.estimate(r);
    for (const figure of scaledFigures) expect(a[figure]).toBeCloseTo(b[figure], 9);
    expect(a.quality).toEqual(b.quality);
    expect(a.pue).toBe(b.pue);
  }
}

describe("canopy estimate's shape cache", () => {
  it("gives every record the estimator's own figures", () => {
    expectSameEstimates(withLinearShapeCache(estimator), estimator);
  });

  it("estimates record by record a shape that does not scale with quantity", () => {
    let calls = 0;
    const quadratic: Estimator = {
      methodologyVersion: estimator.methodologyVersion,
      estimate: (r) => {
        calls++;
        return scaleEstimate(estimator.estimate({ ...r, quantity: 1 }), r.quantity ** 2);
      },
    };
    expectSameEstimates(withLinearShapeCache(quadratic), quadratic);
    expect(calls).toBeGreaterThan(2 * records.length);
  });
});
