import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { costPartsOf, headlinesOf, zeroHeadlineSums, type HeadlineSums } from "./headlines";

describe("headlines", () => {
  const sums: HeadlineSums = {
    ...zeroHeadlineSums(),
    co2eLocationKg: 80,
    co2eMarketKg: 30,
    co2eEmbodiedKg: 15,
    co2eSpendBasedKg: 5,
    co2eOnDefaultsKg: 13,
    co2eLowKg: 70,
    co2eHighKg: 190,
    costAmount: 1000,
    costEstimatedAmount: 800,
    costSpendBasedAmount: 50,
    costOutOfScopeAmount: 120,
  };

  it("totals include embodied and spend-based; shares are of the location-based total", () => {
    const h = headlinesOf(sums);
    expect(h.totalKg).toBe(100);
    expect(h.totalMarketBasedKg).toBe(50);
    expect(h.shareOnDefaults).toBeCloseTo(0.13, 12);
    expect(h.shareSpendBased).toBeCloseTo(0.05, 12);
    expect(h.costCoveredAmount).toBe(850);
    expect(h.costNotModelledAmount).toBe(30);
  });

  it("shares are null without emissions", () => {
    const h = headlinesOf(zeroHeadlineSums());
    expect(h.shareOnDefaults).toBeNull();
    expect(h.shareSpendBased).toBeNull();
    expect(h.shareHourlyGrid).toBeNull();
    expect(h.shareDisaggregated).toBeNull();
  });

  it("hourly-grid and disaggregated shares are of facility kWh", () => {
    const h = headlinesOf({ ...sums, kwhFacility: 400, kwhHourlyGrid: 100, kwhDisaggregated: 30 });
    expect(h.shareHourlyGrid).toBe(0.25);
    expect(h.shareDisaggregated).toBe(0.075);
    expect(h.kwhFacility).toBe(400);
  });

  it("a row's cost parts add up to its cost, and sum to the headlines' cost figures", () => {
    const row = fc.record({
      kind: fc.constantFrom("compute", "storage", "other"),
      costAmount: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
      spendShare: fc.double({ min: 0, max: 1, noNaN: true }),
      outShare: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
        const stored = rows.map((r) => {
          const other = r.kind === "other";
          const spend = other ? r.costAmount * r.spendShare : 0;
          return {
            kind: r.kind,
            costAmount: r.costAmount,
            costSpendBasedAmount: spend,
            costOutOfScopeAmount: other ? (r.costAmount - spend) * r.outShare : 0,
          };
        });
        const s = { ...zeroHeadlineSums() };
        let covered = 0;
        for (const r of stored) {
          const parts = costPartsOf(r);
          expect(parts.covered + parts.outOfScope + parts.notModelled).toBeCloseTo(r.costAmount, 6);
          covered += parts.covered;
          s.costAmount += r.costAmount;
          s.costEstimatedAmount += parts.estimated;
          s.costSpendBasedAmount += r.costSpendBasedAmount;
          s.costOutOfScopeAmount += r.costOutOfScopeAmount;
        }
        const h = headlinesOf(s);
        expect(h.costCoveredAmount).toBeCloseTo(covered, 6);
        expect(h.costCoveredAmount + h.costOutOfScopeAmount + h.costNotModelledAmount).toBeCloseTo(
          h.costTotalAmount,
          6,
        );
      }),
    );
  });
});
