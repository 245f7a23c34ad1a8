import type { BackoffOptions } from "../live/errors";
import { getText } from "./http";
import {
  GridSourceError,
  type GridBoundary,
  type GridIntensityFetch,
  type GridIntensityPoint,
  type GridIntensitySource,
  type GridSourceNotice,
} from "./source";

/**
 * Electricity Maps API v3 (https://app.electricitymaps.com/developer-hub/api/reference): hourly
 * flow-traced (consumption) carbon intensity per zone, in gCO2eq/kWh, for both emission-factor
 * boundaries (`emissionFactorType=direct` | `lifecycle`). Backfill reads
 * `/v3/carbon-intensity/past-range` in windows of at most 240 hours (the documented hourly limit);
 * `fetchLatest` reads `/v3/carbon-intensity/latest`. The key goes in the `auth-token` header only.
 */
export const electricityMapsApiSourceName = "electricitymaps-api";
export const electricityMapsDefaultBaseUrl = "https://api.electricitymaps.com";
/** "The time range is limited to 10 days (240 hours) for an hourly granularity" (API reference, past-range). */
export const electricityMapsMaxRangeHours = 240;

export const electricityMapsNotice: GridSourceNotice = {
  licence: "Electricity Maps API terms (commercial licence of the key holder)",
  attribution: "Carbon intensity data: Electricity Maps (electricitymaps.com)",
  url: "https://www.electricitymaps.com",
};

export type ElectricityMapsApiOptions = {
  apiKey: string;
  baseUrl?: string;
  /** Zones the key has access to; default: any zone key. */
  zones?: readonly string[];
  /** Retries of throttled (429) and failing (5xx, network) requests; tests pass a fast sleep. */
  backoff?: BackoffOptions;
  fetch?: typeof fetch;
};

/** One value as the API returns it (past, latest and each element of past-range `data`). */
export type ElectricityMapsCarbonIntensity = {
  zone?: string;
  carbonIntensity: number | null;
  datetime: string;
  updatedAt?: string;
  createdAt?: string;
  emissionFactorType?: GridBoundary;
  isEstimated?: boolean;
  estimationMethod?: string | null;
  temporalGranularity?: string;
};

const hourMs = 3_600_000;
const boundaries: readonly GridBoundary[] = ["direct", "lifecycle"];

export class ElectricityMapsApiSource implements GridIntensitySource {
  readonly name = electricityMapsApiSourceName;
  readonly notice = electricityMapsNotice;
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #zones: ReadonlySet<string> | undefined;
  readonly #backoff: BackoffOptions;
  readonly #fetch: typeof fetch;

  constructor(options: ElectricityMapsApiOptions) {
    if (options.apiKey.trim() === "")
      throw new GridSourceError("No Electricity Maps API key is set", this.name, false);
    this.#apiKey = options.apiKey;
    this.#baseUrl = (options.baseUrl ?? electricityMapsDefaultBaseUrl).replace(/\/+$/, "");
    this.#zones = options.zones ? new Set(options.zones) : undefined;
    this.#backoff = options.backoff ?? {};
    this.#fetch = options.fetch ?? fetch;
  }

  servesZone(zone: string): boolean {
    return this.#zones ? this.#zones.has(zone) : /^[A-Z]{2}(?:-[A-Z0-9]+)*$/.test(zone);
  }

  async fetchHours(
    zone: string,
    from: Date,
    to: Date,
    signal?: AbortSignal,
  ): Promise<GridIntensityFetch> {
    const fromMs = Math.floor(from.getTime() / hourMs) * hourMs;
    const toMs = to.getTime();
    const points: GridIntensityPoint[] = [];
    for (let start = fromMs; start < toMs; start += electricityMapsMaxRangeHours * hourMs) {
      const end = Math.min(toMs, start + electricityMapsMaxRangeHours * hourMs);
      for (const boundary of boundaries) {
        const body = await this.#get<{ data?: ElectricityMapsCarbonIntensity[] }>(
          "/v3/carbon-intensity/past-range",
          {
            zone,
            start: new Date(start).toISOString(),
            end: new Date(end).toISOString(),
            emissionFactorType: boundary,
            temporalGranularity: "hourly",
          },
          signal,
        );
        if (!Array.isArray(body.data))
          throw new GridSourceError(
            `Electricity Maps past-range for ${zone} answered without a data array`,
            this.name,
            true,
          );
        // The reference does not say whether `end` is inclusive: keep [start, end) only, so windows never overlap.
        for (const value of body.data) {
          const point = toPoint(zone, boundary, value);
          const ms = point?.hour.getTime();
          if (point && ms !== undefined && ms >= start && ms < end) points.push(point);
        }
      }
    }
    return { sourceVersion: "v3", points };
  }

  /** The most recent hour of each boundary (`/v3/carbon-intensity/latest`). */
  async fetchLatest(zone: string, signal?: AbortSignal): Promise<GridIntensityFetch> {
    const points: GridIntensityPoint[] = [];
    for (const boundary of boundaries) {
      const value = await this.#get<ElectricityMapsCarbonIntensity>(
        "/v3/carbon-intensity/latest",
        { zone, emissionFactorType: boundary },
        signal,
      );
      const point = toPoint(zone, boundary, value);
      if (point) points.push(point);
    }
    return { sourceVersion: "v3", points };
  }

  async #get<T>(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<T> {
    const text = await getText({
      source: this.name,
      url: `${this.#baseUrl}${path}?${new URLSearchParams(query)}`,
      describe: `Electricity Maps ${path} (zone ${query.zone})`,
      headers: { "auth-token": this.#apiKey, accept: "application/json" },
      backoff: this.#backoff,
      fetch: this.#fetch,
      ...(signal ? { signal } : {}),
      formatBody: errorText,
      authHint:
        " (check the Electricity Maps API key and the zones and endpoints its plan includes)",
    });
    return JSON.parse(text) as T;
  }
}

/** The API's error body is `{ error, message }`; anything else is shown cut short. */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    return [body.error, body.message].filter((part) => typeof part === "string").join(": ");
  } catch {
    return text.slice(0, 200);
  }
}

function toPoint(
  zone: string,
  boundary: GridBoundary,
  value: ElectricityMapsCarbonIntensity,
): GridIntensityPoint | undefined {
  // A missing value (null) is a gap: the annual factor stays in place for that hour.
  if (typeof value.carbonIntensity !== "number" || !Number.isFinite(value.carbonIntensity))
    return undefined;
  const hour = new Date(value.datetime);
  if (!Number.isFinite(hour.getTime()) || hour.getTime() % hourMs !== 0) return undefined;
  return {
    zone,
    hour,
    boundary,
    gCo2ePerKwh: value.carbonIntensity,
    estimated: value.isEstimated === true,
  };
}
