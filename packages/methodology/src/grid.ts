import type { DataPack, YearSeries } from "./pack-types";

export type YearValue = { readonly year: number; readonly value: number };

/**
 * Value for a year from an annual series: the exact year when present, otherwise the nearest
 * year available (ties go to the later year, the fresher disclosure). Undefined for an empty
 * series.
 */
export function valueForYear(series: YearSeries, year: number): YearValue | undefined {
  let best: readonly [number, number] | undefined;
  let bestDistance = Infinity;
  for (const pair of series) {
    const distance = Math.abs(pair[0] - year);
    if (
      distance < bestDistance ||
      (distance === bestDistance && best !== undefined && pair[0] > best[0])
    ) {
      best = pair;
      bestDistance = distance;
    }
  }
  return best === undefined ? undefined : { year: best[0], value: best[1] };
}

/** Annual average grid intensity (gCO2e/kWh) of an Electricity Maps zone for a year. */
export function zoneIntensityForYear(
  pack: DataPack,
  zone: string,
  year: number,
): YearValue | undefined {
  const series = pack.gridZones.get(zone);
  return series === undefined ? undefined : valueForYear(series, year);
}

/** Hours of a period averaged for hourly grid intensity; longer periods use the annual value. */
export const maxHourlyGridHours = 744;

/**
 * Mean of an hourly intensity source over the hours a record covers (UTC hours from
 * periodStart). Undefined when the source misses any hour, returns a value that is not a finite
 * non-negative number, or the period is longer than `maxHourlyGridHours`.
 */
export function averageHourlyIntensity(
  hourly: (zone: string, hourStartMs: number) => number | undefined,
  zone: string,
  periodStartIso: string,
  periodHours: number,
): number | undefined {
  const startMs = Date.parse(periodStartIso);
  if (!Number.isFinite(startMs)) return undefined;
  const hours = Math.max(1, Math.ceil(periodHours));
  if (hours > maxHourlyGridHours) return undefined;
  const firstHourMs = Math.floor(startMs / 3_600_000) * 3_600_000;
  let sum = 0;
  for (let h = 0; h < hours; h++) {
    const value = hourly(zone, firstHourMs + h * 3_600_000);
    if (typeof value !== "number" || !(value >= 0) || value === Infinity) return undefined;
    sum += value;
  }
  return sum / hours;
}
