import { describe, expect, it } from "vitest";
import { forecastLinearTrend } from "./trend-forecast";
import { budgetStatus, pathwayKg, sbtiPresetReductionPercent, targetProgress } from "./targets";

describe("forecastLinearTrend: OLS on the days so far, 95 % prediction interval of the rest", () => {
  it("an exact line is extrapolated exactly, with no interval", () => {
    // 10, 11, …, 19 kg over 10 days; 5 more days: 20 + 21 + 22 + 23 + 24 = 110.
    const observed = Array.from({ length: 10 }, (_, i) => 10 + i);
    const f = forecastLinearTrend(observed, 5);
    expect(f.method).toBe("linear");
    expect(f.actualKg).toBe(145);
    expect(f.remainingKg).toBeCloseTo(110, 9);
    expect(f.forecastKg).toBeCloseTo(255, 9);
    expect(f.slopeKgPerDay).toBeCloseTo(1, 12);
    expect(f.highKg - f.lowKg).toBeCloseTo(0, 9);
  });

  it("noisy data: the interval is centred on the forecast and widens with the horizon", () => {
    const observed = Array.from({ length: 20 }, (_, i) => 100 + (i % 2 ? 5 : -5));
    const near = forecastLinearTrend(observed, 5);
    const far = forecastLinearTrend(observed, 40);
    expect(Math.abs(near.remainingKg - 500)).toBeLessThan(10); // the alternation tilts the fit a little
    expect(near.highKg - near.forecastKg).toBeCloseTo(near.forecastKg - near.lowKg, 6);
    expect(far.highKg - far.forecastKg).toBeGreaterThan(near.highKg - near.forecastKg);
    // Hand check of the variance: s² (h + h²/n + (Σx − h x̄)²/Sxx) with the fitted residuals.
    expect(near.highKg - near.forecastKg).toBeGreaterThan(1.96 * 5 * Math.sqrt(5) * 0.9);
  });

  it("falls back to the mean daily rate under a week, clamps a falling trend at zero, and handles no data", () => {
    const flat = forecastLinearTrend([10, 20, 30], 4);
    expect(flat.method).toBe("flat");
    expect(flat.forecastKg).toBeCloseTo(60 + 4 * 20, 9);
    const falling = forecastLinearTrend([70, 60, 50, 40, 30, 20, 10], 10);
    expect(falling.remainingKg).toBeCloseTo(0, 9); // the line crosses zero on day 7
    expect(forecastLinearTrend([], 30)).toMatchObject({ forecastKg: 0, method: "none" });
  });
});

describe("targets and budgets", () => {
  it("SBTi preset: 4.2 % a year, linear from the base year", () => {
    expect(sbtiPresetReductionPercent(2025, 2030)).toBeCloseTo(21, 9);
    expect(sbtiPresetReductionPercent(2020, 2050)).toBe(100);
    expect(() => sbtiPresetReductionPercent(2030, 2030)).toThrow(/after the base year/);
    const target = { baseYear: 2025, targetYear: 2030, reductionPercent: 21 };
    expect(pathwayKg(target, 1000, 2025)).toBeCloseTo(1000, 9);
    expect(pathwayKg(target, 1000, 2027)).toBeCloseTo(916, 9); // 1000 × (1 − 0.21 × 2/5)
    expect(pathwayKg(target, 1000, 2035)).toBeCloseTo(790, 9);
  });

  it("progress: on track, at risk, off track from the forecast and its interval", () => {
    const target = { baseYear: 2025, targetYear: 2030, reductionPercent: 21 };
    const forecast = (forecastKg: number, halfWidth: number) => ({
      actualKg: 500,
      remainingKg: forecastKg - 500,
      forecastKg,
      lowKg: forecastKg - halfWidth,
      highKg: forecastKg + halfWidth,
      slopeKgPerDay: 0,
      method: "linear" as const,
    });
    // 2026 pathway: 1000 × (1 − 0.042) = 958 kg.
    expect(targetProgress(target, 1000, 2026, forecast(900, 20)).status).toBe("on_track");
    expect(targetProgress(target, 1000, 2026, forecast(950, 20)).status).toBe("at_risk");
    const off = targetProgress(target, 1000, 2026, forecast(1100, 20));
    expect(off.status).toBe("off_track");
    expect(off.forecastReductionPercent).toBeCloseTo(-10, 9);
    expect(off.requiredReductionPercent).toBeCloseTo(4.2, 9);
    expect(off.targetKg).toBeCloseTo(790, 9);
    expect(targetProgress(target, 0, 2026, forecast(10, 1)).status).toBe("no_base_year_data");
  });

  it("budget status: within, forecast over, over", () => {
    const f = forecastLinearTrend([10, 10, 10, 10, 10, 10, 10], 23); // 300 kg over 30 days
    expect(budgetStatus(400, f)).toBe("within");
    expect(budgetStatus(250, f)).toBe("forecast_over");
    expect(budgetStatus(60, f)).toBe("over");
  });
});
