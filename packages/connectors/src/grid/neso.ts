import type { BackoffOptions } from "../live/errors";
import { floorHourMs, getText, hourMs } from "./http";
import {
  GridSourceError,
  type GridIntensityFetch,
  type GridIntensityPoint,
  type GridIntensitySource,
  type GridSourceNotice,
} from "./source";

/**
 * GB NESO Carbon Intensity API (https://api.carbonintensity.org.uk, no key): national half-hourly
 * intensity from `/intensity/{from}/{to}`, at most 14 days per request. NESO's intensity counts CO2
 * from combustion only (nuclear, wind, solar and hydro at 0 gCO2/kWh; NESO methodology, May 2024), so
 * it is stored as the **direct** boundary; it is consumption-based (imports and T&D losses
 * included). Two half-hours make one UTC hour (their mean). The `actual` value (NESO's estimate
 * from metered generation) is stored; a half-hour with only a `forecast` makes the hour estimated.
 */
export const nesoSourceName = "neso-carbon-intensity";
export const nesoDefaultBaseUrl = "https://api.carbonintensity.org.uk";
/** "The maximum date range is limited to 14 days" (/intensity/{from}/{to}). */
export const nesoMaxRangeDays = 14;
const halfHourMs = hourMs / 2;

export const nesoNotice: GridSourceNotice = {
  licence: "Carbon Intensity API terms of use (NESO); free use, no resale of the API",
  attribution:
    "Carbon intensity: National Energy System Operator (NESO) Carbon Intensity API, carbonintensity.org.uk",
  url: "https://carbonintensity.org.uk",
};

export type NesoHalfHour = {
  from: string;
  to: string;
  intensity: { forecast: number | null; actual: number | null; index?: string };
};

/** The API's minute-precision UTC form, e.g. 2025-01-01T00:00Z. */
export const nesoTime = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";

export class NesoCarbonIntensitySource implements GridIntensitySource {
  readonly name = nesoSourceName;
  readonly notice = nesoNotice;
  readonly #baseUrl: string;
  readonly #backoff: BackoffOptions;
  readonly #fetch: typeof fetch | undefined;

  constructor(options: { baseUrl?: string; backoff?: BackoffOptions; fetch?: typeof fetch } = {}) {
    this.#baseUrl = (options.baseUrl ?? nesoDefaultBaseUrl).replace(/\/+$/, "");
    this.#backoff = options.backoff ?? {};
    this.#fetch = options.fetch;
  }

  /** National GB only: the regional endpoints publish forecasts, not actuals. */
  servesZone(zone: string): boolean {
    return zone === "GB";
  }

  async fetchHours(
    zone: string,
    from: Date,
    to: Date,
    signal?: AbortSignal,
  ): Promise<GridIntensityFetch> {
    if (!this.servesZone(zone))
      throw new GridSourceError(`NESO serves zone GB only, not ${zone}`, this.name, false);
    const fromMs = floorHourMs(from.getTime());
    const toMs = to.getTime();
    const halves = new Map<number, NesoHalfHour>();
    // Each request starts half an hour early, so the window's first half-hour is included whether
    // the API reads `from` as the start or the end of the first period; the total stays ≤ 14 days.
    const windowMs = nesoMaxRangeDays * 24 * hourMs - halfHourMs;
    for (let start = fromMs; start < toMs; start += windowMs) {
      const end = Math.min(toMs, start + windowMs);
      const url = `${this.#baseUrl}/intensity/${nesoTime(start - halfHourMs)}/${nesoTime(end)}`;
      const text = await getText({
        source: this.name,
        url,
        describe: `NESO /intensity ${nesoTime(start)}..${nesoTime(end)}`,
        headers: { accept: "application/json" },
        backoff: this.#backoff,
        ...(this.#fetch ? { fetch: this.#fetch } : {}),
        ...(signal ? { signal } : {}),
      });
      const body = JSON.parse(text) as { data?: NesoHalfHour[] };
      if (!Array.isArray(body.data))
        throw new GridSourceError("NESO /intensity answered without a data array", this.name, true);
      // Keep half-hours starting inside [fromMs, toMs) only, whatever the window's edges return.
      for (const half of body.data) {
        const ms = Date.parse(half.from);
        if (ms >= fromMs && ms < toMs) halves.set(ms, half);
      }
    }
    return { sourceVersion: "api-v2", points: halfHoursToHours(halves) };
  }
}

/** Mean of the two half-hours of each UTC hour; hours missing a half, or with no value, are gaps. */
export function halfHoursToHours(halves: ReadonlyMap<number, NesoHalfHour>): GridIntensityPoint[] {
  const points: GridIntensityPoint[] = [];
  const hours = [...new Set([...halves.keys()].map(floorHourMs))].sort((a, b) => a - b);
  for (const hour of hours) {
    const pair = [halves.get(hour), halves.get(hour + halfHourMs)];
    let sum = 0;
    let estimated = false;
    let complete = true;
    for (const half of pair) {
      const actual = half?.intensity.actual;
      const forecast = half?.intensity.forecast;
      if (typeof actual === "number") sum += actual;
      else if (typeof forecast === "number") {
        sum += forecast;
        estimated = true;
      } else complete = false;
    }
    if (complete)
      points.push({
        zone: "GB",
        hour: new Date(hour),
        boundary: "direct",
        gCo2ePerKwh: sum / 2,
        estimated,
      });
  }
  return points;
}
