import { mixIntensity, type Fuel } from "./fuel-factors";
import type { GridBoundary, GridIntensityPoint } from "./source";

/** A point computed from a generation mix: the unknown-fuel share is kept to say why it is estimated. */
export type MixIntensityPoint = GridIntensityPoint & { unknownFuelShare: number };

const boundaries: readonly GridBoundary[] = ["direct", "lifecycle"];

/**
 * One direct and one lifecycle point per hour with generation. A point is estimated when part of
 * the hour's generation has no fuel factor, or when `incompleteHours` says a fuel's series is
 * missing from that hour.
 */
export function mixPoints(
  zone: string,
  mixByHour: ReadonlyMap<number, ReadonlyMap<Fuel | null, number>>,
  intensity: typeof mixIntensity = mixIntensity,
  incompleteHours: ReadonlySet<number> = new Set(),
): MixIntensityPoint[] {
  const points: MixIntensityPoint[] = [];
  for (const hour of [...mixByHour.keys()].sort((a, b) => a - b)) {
    const mix = mixByHour.get(hour)!;
    for (const boundary of boundaries) {
      const value = intensity(mix, boundary);
      if (value === undefined) continue;
      points.push({
        zone,
        hour: new Date(hour),
        boundary,
        gCo2ePerKwh: value.gCo2ePerKwh,
        estimated: value.unknownFuelShare > 0 || incompleteHours.has(hour),
        unknownFuelShare: value.unknownFuelShare,
      });
    }
  }
  return points;
}
