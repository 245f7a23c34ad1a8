import { withBackoff, type BackoffOptions } from "../live/errors";
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

/** A non-2xx answer, kept apart so the backoff can tell throttling and outages from refusals. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
  }
}

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
    const url = `${this.#baseUrl}${path}?${new URLSearchParams(query)}`;
    const describe = `Electricity Maps ${path} (zone ${query.zone})`;
    try {
      return await withBackoff(
        async () => {
          let response: Response;
          try {
            response = await this.#fetch(url, {
              headers: { "auth-token": this.#apiKey, accept: "application/json" },
              ...(signal ? { signal } : {}),
            });
          } catch (error) {
            if (signal?.aborted) throw error;
            throw new HttpStatusError(0, 0, `${describe}: ${(error as Error).message}`);
          }
          if (response.ok) return (await response.json()) as T;
          const text = await response.text().catch(() => "");
          const retryAfter = Number(response.headers.get("retry-after"));
          throw new HttpStatusError(
            response.status,
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0,
            `${describe} answered ${response.status}: ${errorText(text)}`,
          );
        },
        (error) =>
          error instanceof HttpStatusError &&
          (error.status === 429 || error.status === 0 || error.status >= 500)
            ? error.retryAfterMs
            : undefined,
        this.#backoff,
      );
    } catch (error) {
      if (!(error instanceof HttpStatusError)) throw error;
      const retryable = error.status === 429 || error.status === 0 || error.status >= 500;
      const hint =
        error.status === 401 || error.status === 403
          ? " (check the Electricity Maps API key and the zones and endpoints its plan includes)"
          : "";
      throw new GridSourceError(`${error.message}${hint}`, this.name, retryable);
    }
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
