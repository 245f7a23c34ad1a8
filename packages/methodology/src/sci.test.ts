import { describe, expect, it } from "vitest";
import { sciScore } from "./sci";

describe("sciScore: ((E × I) + M) / R in kgCO2e per functional unit", () => {
  it("hand-worked example", () => {
    // E = 12 kWh, I = 400 g/kWh → 4800 g = 4.8 kg; M = 1.2 kg; R = 1000 requests
    // (4.8 + 1.2) / 1000 = 0.006 kg per request
    expect(
      sciScore({
        energyKwh: 12,
        gridIntensityGPerKwh: 400,
        embodiedKg: 1.2,
        functionalUnits: 1000,
      }),
    ).toBeCloseTo(0.006, 12);
  });

  it("embodied only and operational only", () => {
    expect(
      sciScore({ energyKwh: 0, gridIntensityGPerKwh: 400, embodiedKg: 3, functionalUnits: 2 }),
    ).toBe(1.5);
    // 1 kWh × 250 g = 0.25 kg over 5 units
    expect(
      sciScore({ energyKwh: 1, gridIntensityGPerKwh: 250, embodiedKg: 0, functionalUnits: 5 }),
    ).toBeCloseTo(0.05, 12);
  });

  it("rejects a zero or negative functional unit count and invalid inputs", () => {
    expect(() =>
      sciScore({ energyKwh: 1, gridIntensityGPerKwh: 1, embodiedKg: 0, functionalUnits: 0 }),
    ).toThrow(RangeError);
    expect(() =>
      sciScore({ energyKwh: -1, gridIntensityGPerKwh: 1, embodiedKg: 0, functionalUnits: 1 }),
    ).toThrow(RangeError);
    expect(() =>
      sciScore({
        energyKwh: 1,
        gridIntensityGPerKwh: Number.NaN,
        embodiedKg: 0,
        functionalUnits: 1,
      }),
    ).toThrow(RangeError);
  });
});
