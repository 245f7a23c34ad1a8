import { describe, expect, it } from "vitest";
import { bestWindow, hourlyMeans, windowLabel, type ProfileCell } from "./profile";

const day = (f: (h: number) => number) => Array.from({ length: 24 }, (_, h) => f(h));

describe("bestWindow", () => {
  it("finds the lowest-mean window, against a brute force over every start", () => {
    // A solar dip at noon and a windy night: values from a fixed formula, not a hand-picked answer.
    const means = day((h) => 300 + 80 * Math.cos(((h - 12) * Math.PI) / 12) - 40 * (h < 3 ? 1 : 0));
    for (const n of [1, 3, 4, 6, 12]) {
      const found = bestWindow("2025-06", means, n)!;
      const brute = day((s) => {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += means[(s + k) % 24]!;
        return sum / n;
      });
      expect(found.meanGPerKwh).toBeCloseTo(Math.min(...brute), 9);
      expect(found.startHour).toBe(brute.indexOf(Math.min(...brute)));
      expect(found.endHour).toBe((found.startHour + n) % 24);
      expect(found.dayMeanGPerKwh).toBeCloseTo(means.reduce((a, b) => a + b, 0) / 24, 9);
      expect(found.reductionShare).toBeCloseTo(1 - found.meanGPerKwh / found.dayMeanGPerKwh, 9);
    }
  });

  it("wraps past midnight", () => {
    const means = day((h) => (h >= 22 || h < 2 ? 100 : 400));
    const found = bestWindow("2025-01", means, 4)!;
    expect(windowLabel(found)).toBe("22:00–02:00 UTC");
    expect(found.meanGPerKwh).toBe(100);
  });

  it("gives no advice for a month with a missing hour", () => {
    const cells: ProfileCell[] = day((h) => h)
      .filter((h) => h !== 5)
      .map((h) => ({ month: "2025-03", hourOfDay: h, meanGPerKwh: 200 + h, hours: 31 }));
    expect(bestWindow("2025-03", hourlyMeans(cells, "2025-03"), 4)).toBeNull();
  });
});
