import { describe, expect, it } from "vitest";
import { calibrationHistory, scopeCalibrations, type ProviderScope } from "./provider-figures";

const azureApril = (reported: ProviderScope["reported"]): ProviderScope => ({
  provider: "azure",
  providerAccountId: "sub-1",
  month: "2026-04-01",
  region: null,
  service: null,
  modelVersion: null,
  sources: ["azure-carbon-optimization"],
  reported,
  canopy: { kwhFacility: 10, co2eLocationKg: 4, co2eMarketKg: 2, co2eEmbodiedKg: 1, rows: 3 },
});

describe("calibration with Azure's per-scope figures and their sum", () => {
  it("uses Scope 2 on the market basis when it is stored, never Scope 2 and the total that contains it", () => {
    const scope = azureApril({ scope1: 0.1, "scope2-market": 1.5, scope3: 0.6, total: 2.2 });
    const market = scopeCalibrations(scope).filter((c) => c.basis === "market");
    expect(market.map((c) => c.comparison.reportedScope)).toEqual(["scope2-market"]);
    const points = calibrationHistory([scope], { from: "2026-04-01", to: "2026-05-01" });
    const marketPoints = points.filter((p) => p.basis === "market");
    expect(marketPoints).toHaveLength(1);
    expect(marketPoints[0]!.reportedKg).toBe(1.5);
    expect(marketPoints[0]!.factor).toBe(1.5 / 2);
  });

  it("falls back to the total (against market-based + embodied) when only the sum is stored", () => {
    const points = calibrationHistory([azureApril({ total: 1.84 })], {
      from: "2026-04-01",
      to: "2026-05-01",
    });
    const market = points.filter((p) => p.basis === "market");
    expect(market).toHaveLength(1);
    expect(market[0]!.reportedKg).toBe(1.84);
    expect(market[0]!.canopyKg).toBe(3);
  });
});
