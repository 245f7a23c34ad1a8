import { describe, expect, it } from "vitest";
import { co2eOnDefaultsKg, embodiedOnDefaults, operationalOnDefaults } from "./defaults-share";
import type { Estimate, Estimator } from "./estimate-types";
import { createEstimator } from "./estimator";
import {
  LINEARITY_PROBE_QUANTITY,
  linearUnitEstimate,
  scaledFigures,
  scaleEstimate,
} from "./linear-shape";
import { factorQuality } from "./quality";
import { expectClose, record } from "./test-support";

const estimator = createEstimator();
const vm = record({
  provider: "aws",
  kind: "compute",
  unit: "instance-hours",
  quantity: 37,
  instanceType: "m5.xlarge",
});

/** An estimator whose figure for a record grows with the square of its quantity. */
const quadratic: Estimator = {
  methodologyVersion: estimator.methodologyVersion,
  estimate: (r) => {
    const e = estimator.estimate({ ...r, quantity: 1 });
    return scaleEstimate(e, r.quantity * r.quantity);
  },
};

/** An estimator that is linear in its figures but flags large quantities with another quality. */
const flagsLargeQuantities: Estimator = {
  methodologyVersion: estimator.methodologyVersion,
  estimate: (r) => {
    const e = estimator.estimate(r);
    if (r.quantity < 500) return e;
    return { ...e, quality: { ...e.quality, power: factorQuality("default", "large") } };
  },
};

describe("shape-based estimation", () => {
  it("scales one unit's estimate to the record's estimate for a linear shape", () => {
    const unit = linearUnitEstimate(estimator, vm);
    expect(unit).toBeDefined();
    const exact = estimator.estimate(vm);
    const scaled = scaleEstimate(unit!, vm.quantity);
    for (const figure of scaledFigures) expectClose(scaled[figure], exact[figure]);
    expect(scaled.quality).toEqual(exact.quality);
    expect(unit!.kwhIt).toBeGreaterThan(0);
  });

  it("refuses a shape whose figures do not scale with quantity", () => {
    expect(linearUnitEstimate(quadratic, vm)).toBeUndefined();
  });

  it("refuses a shape whose qualities change with quantity", () => {
    expect(LINEARITY_PROBE_QUANTITY).toBeGreaterThanOrEqual(500);
    expect(linearUnitEstimate(flagsLargeQuantities, vm)).toBeUndefined();
  });
});

describe("what rests on default factors", () => {
  const base = estimator.estimate(vm);
  const withQuality = (changes: Partial<Estimate["quality"]>): Estimate => ({
    ...base,
    quality: { ...base.quality, ...changes },
  });

  it("counts operational CO2e when power, PUE or grid is a default, embodied when embodied is", () => {
    const none = withQuality({
      power: factorQuality("regional"),
      pue: factorQuality("regional"),
      grid: factorQuality("regional"),
      embodied: factorQuality("regional"),
    });
    expect([operationalOnDefaults(none.quality), embodiedOnDefaults(none.quality)]).toEqual([
      false,
      false,
    ]);
    expect(co2eOnDefaultsKg(none)).toBe(0);
    const pue = withQuality({ ...none.quality, pue: factorQuality("default", "no PUE") });
    expect([operationalOnDefaults(pue.quality), embodiedOnDefaults(pue.quality)]).toEqual([
      true,
      false,
    ]);
    expect(co2eOnDefaultsKg(pue)).toBe(base.co2eLocationKg);
    const both = withQuality({
      ...none.quality,
      grid: factorQuality("default", "no zone"),
      embodied: factorQuality("default", "no host"),
    });
    expect(co2eOnDefaultsKg(both)).toBe(base.co2eLocationKg + base.embodiedKg);
    // A default market factor is not part of the location-based figure on defaults.
    const market = withQuality({ ...none.quality, market: factorQuality("default", "no mix") });
    expect(co2eOnDefaultsKg(market)).toBe(0);
  });
});
