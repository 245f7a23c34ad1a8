import { describe, expect, it } from "vitest";
import { fuelFactors, mixIntensity, type Fuel } from "./fuel-factors";

const mix = (entries: [Fuel | null, number][]) => new Map<Fuel | null, number>(entries);

describe("mixIntensity (production-based, Σ mwh × factor ÷ Σ mwh)", () => {
  it("weights each fuel's factor by its generation (checked by hand)", () => {
    // 100 MWh coal, 200 MWh gas, 700 MWh onshore wind:
    // direct    = (100 × 760 + 200 × 370 + 700 × 0) / 1000 = (76,000 + 74,000) / 1000 = 150
    // lifecycle = (100 × 820 + 200 × 490 + 700 × 11) / 1000 = (82,000 + 98,000 + 7,700) / 1000 = 187.7
    const hour = mix([
      ["coal", 100],
      ["gas", 200],
      ["wind-onshore", 700],
    ]);
    expect(mixIntensity(hour, "direct")).toEqual({ gCo2ePerKwh: 150, unknownFuelShare: 0 });
    expect(mixIntensity(hour, "lifecycle")?.gCo2ePerKwh).toBeCloseTo(187.7, 10);
  });

  it("leaves generation of unknown fuel out of the mean and states its share", () => {
    // 400 MWh gas + 100 MWh of a fuel with no factor: direct 370 over the known part, share 100/500.
    const result = mixIntensity(
      mix([
        ["gas", 400],
        [null, 100],
      ]),
      "direct",
    );
    expect(result).toEqual({ gCo2ePerKwh: 370, unknownFuelShare: 0.2 });
  });

  it("counts oil as unknown for the direct boundary (no sourced direct factor) but not for lifecycle", () => {
    // 300 MWh gas + 100 MWh oil: direct = 370 over gas only, share 100/400; lifecycle = (300 × 490 + 100 × 650) / 400 = 530.
    const hour = mix([
      ["gas", 300],
      ["oil", 100],
    ]);
    expect(mixIntensity(hour, "direct")).toEqual({ gCo2ePerKwh: 370, unknownFuelShare: 0.25 });
    expect(mixIntensity(hour, "lifecycle")).toEqual({ gCo2ePerKwh: 530, unknownFuelShare: 0 });
  });

  it("counts plants' own consumption (negative net generation) as zero", () => {
    // nuclear −5 MWh counts 0: lifecycle = 50 × 820 / 50 = 820, not (50 × 820 − 5 × 12) / 45.
    expect(
      mixIntensity(
        mix([
          ["coal", 50],
          ["nuclear", -5],
        ]),
        "lifecycle",
      ),
    ).toEqual({ gCo2ePerKwh: 820, unknownFuelShare: 0 });
  });

  it("gives no value for an hour with no generation of a known fuel", () => {
    expect(mixIntensity(mix([[null, 30]]), "direct")).toBeUndefined();
    expect(mixIntensity(mix([]), "lifecycle")).toBeUndefined();
  });

  it("never puts the lifecycle factor below the direct one (lifecycle includes combustion)", () => {
    for (const [fuel, factor] of Object.entries(fuelFactors)) {
      if (factor.directGCo2ePerKwh === undefined || factor.lifecycleGCo2ePerKwh === undefined)
        continue;
      expect(factor.lifecycleGCo2ePerKwh, fuel).toBeGreaterThanOrEqual(factor.directGCo2ePerKwh);
    }
  });
});
