import { describe, expect, it } from "vitest";
import { detectSpikes, median, type DailyPoint } from "./spike-detection";

/** Mulberry32: a small seeded generator, so the generated series are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gaussian = (random: () => number) =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

const start = Date.UTC(2026, 0, 5); // a Monday
const dayAt = (i: number) => new Date(start + i * 86_400_000).toISOString().slice(0, 10);

describe("detectSpikes: same weekday over 8 weeks, median + 3.5 × scaled MAD", () => {
  it("median of odd and even lengths", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("finds one injected spike in a weekly-seasonal series, with its baseline and score", () => {
    // Weekdays 100 kg, weekends 40 kg, ±2 kg of deterministic wobble; day 60 (a Friday) at 180 kg.
    const series: DailyPoint[] = Array.from({ length: 70 }, (_, i) => ({
      day: dayAt(i),
      co2eKg: (i % 7 < 5 ? 100 : 40) + ((i * 7) % 5) - 2,
    }));
    series[60] = { day: dayAt(60), co2eKg: 180 };
    const spikes = detectSpikes(series);
    expect(spikes.map((s) => s.day)).toEqual([dayAt(60)]);
    const [spike] = spikes;
    expect(spike!.baselineKg).toBeGreaterThan(97);
    expect(spike!.baselineKg).toBeLessThan(103);
    expect(spike!.excessKg).toBeCloseTo(180 - spike!.baselineKg, 9);
    expect(spike!.score).toBeGreaterThan(3.5);
  });

  it("a weekday level on a Saturday is a spike; the same level on a Monday is not", () => {
    const series: DailyPoint[] = Array.from({ length: 63 }, (_, i) => ({
      day: dayAt(i),
      co2eKg: i % 7 < 5 ? 100 : 40,
    }));
    series[61] = { day: dayAt(61), co2eKg: 100 }; // Saturday of week 9
    expect(detectSpikes(series).map((s) => s.day)).toEqual([dayAt(61)]);
  });

  it("stays quiet on a flat series, a small series and before four weeks of history", () => {
    const flat = Array.from({ length: 60 }, (_, i) => ({ day: dayAt(i), co2eKg: 50 }));
    flat[40] = { day: dayAt(40), co2eKg: 52 }; // +4 %: under the 5 % spread floor
    expect(detectSpikes(flat)).toEqual([]);
    const tiny = Array.from({ length: 60 }, (_, i) => ({ day: dayAt(i), co2eKg: 0.1 }));
    tiny[40] = { day: dayAt(40), co2eKg: 0.9 }; // 9× but under 1 kg of excess
    expect(detectSpikes(tiny)).toEqual([]);
    const young = Array.from({ length: 22 }, (_, i) => ({ day: dayAt(i), co2eKg: 10 }));
    young[21] = { day: dayAt(21), co2eKg: 100 }; // 3 weeks: no baseline, no measured spread yet
    expect(detectSpikes(young)).toEqual([]);
  });

  it("an earlier spike in the baseline does not hide the next one (robust median and MAD)", () => {
    const series = Array.from({ length: 70 }, (_, i) => ({ day: dayAt(i), co2eKg: 100 }));
    series[49] = { day: dayAt(49), co2eKg: 300 };
    series[56] = { day: dayAt(56), co2eKg: 300 };
    expect(detectSpikes(series).map((s) => s.day)).toEqual([dayAt(49), dayAt(56)]);
  });

  it("judges only days from onlyFrom, with the older days as baseline", () => {
    const series = Array.from({ length: 70 }, (_, i) => ({ day: dayAt(i), co2eKg: 100 }));
    series[40] = { day: dayAt(40), co2eKg: 400 };
    series[65] = { day: dayAt(65), co2eKg: 400 };
    expect(detectSpikes(series, { onlyFrom: dayAt(60) }).map((s) => s.day)).toEqual([dayAt(65)]);
  });

  it("precision and recall over 400 generated series with injected spikes", () => {
    const random = seeded(20261206);
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    const days = 140;
    const firstJudgedDay = 42;
    for (let s = 0; s < 400; s++) {
      const level = 5 + random() * 500; // kg per day
      const weekendShare = 0.3 + random() * 0.7;
      const noise = 0.03 + random() * 0.07; // 3–10 % day-to-day noise
      const growthPerDay = (random() - 0.3) * 0.004; // −0.12 % … +0.28 % a day
      const injected = new Set<number>();
      const series: DailyPoint[] = [];
      for (let i = 0; i < days; i++) {
        const weekday = i % 7 < 5;
        const expected = level * (weekday ? 1 : weekendShare) * (1 + growthPerDay * i);
        let value = Math.max(0, expected * (1 + noise * gaussian(random)));
        // Spikes: +50 % … +300 % on about 3 % of the days from week 5 on; those before day 42 sit
        // in the baselines only (a series is judged once it has 14 residuals: from its 43rd day).
        if (i >= 28 && random() < 0.03) {
          value = expected * (1.5 + random() * 2.5);
          if (i >= firstJudgedDay) injected.add(i);
        }
        series.push({ day: dayAt(i), co2eKg: value });
      }
      const found = new Set(
        detectSpikes(series).map((x) => (Date.parse(x.day) - start) / 86_400_000),
      );
      for (const i of found) {
        if (injected.has(i)) truePositives++;
        else falsePositives++;
      }
      for (const i of injected) if (!found.has(i)) falseNegatives++;
    }
    const precision = truePositives / (truePositives + falsePositives);
    const recall = truePositives / (truePositives + falseNegatives);
    console.log(
      `spike detection over 400 series × ${days} days (judged from day ${firstJudgedDay}): ${truePositives + falseNegatives} injected, ` +
        `TP ${truePositives}, FP ${falsePositives}, FN ${falseNegatives}, ` +
        `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
    );
    expect(truePositives + falseNegatives).toBeGreaterThan(1000);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });
});
