import type { BackoffOptions } from "../live/errors";
import { eiaFuelCodes, mixIntensity, type Fuel } from "./fuel-factors";
import { floorHourMs, getText, hourMs } from "./http";
import { mixPoints } from "./mix-points";
import {
  GridSourceError,
  type GridIntensityFetch,
  type GridIntensitySource,
  type GridSourceNotice,
} from "./source";

/**
 * EIA-930 hourly net generation by balancing authority and fuel (EIA Open Data API v2,
 * `electricity/rto/fuel-type-data`, free key in `api_key`), turned into an intensity with
 * Canopy's fuel factors (fuel-factors.ts). `frequency=hourly` is UTC; `period` is the hour's end
 * (Electricity Maps' EIA parser shifts it back one hour), so hour start = period − 1 h. JSON
 * answers hold at most 5,000 rows: the source pages with offset/length until `total` is read.
 */
export const eia930SourceName = "eia-930";
export const eiaDefaultBaseUrl = "https://api.eia.gov";
export const eiaMaxRowsPerRequest = 5000;

/**
 * Electricity Maps zone → EIA-930 respondent (balancing authority), for the data pack's US zones;
 * from electricitymaps-contrib parsers/EIA.py `REGIONS` (commit 00b65c83).
 */
export const eiaRespondentByZone: Readonly<Record<string, string>> = {
  "US-CAL-CISO": "CISO",
  "US-CAR-SC": "SC",
  "US-MIDA-PJM": "PJM",
  "US-MIDW-MISO": "MISO",
  "US-NW-BPAT": "BPAT",
  "US-NW-NEVP": "NEVP",
  "US-NW-PACE": "PACE",
  "US-NW-WACM": "WACM",
  "US-SE-SOCO": "SOCO",
  "US-SW-AZPS": "AZPS",
  "US-TEX-ERCO": "ERCO",
};

export const eiaNotice: GridSourceNotice = {
  licence: "U.S. public domain (EIA copyrights and reuse policy); cite EIA as the source",
  attribution:
    "Generation: U.S. Energy Information Administration, Form EIA-930 (Hourly Electric Grid Monitor); intensity computed by Canopy with IPCC AR5 fuel factors",
  url: "https://www.eia.gov/electricity/gridmonitor/",
};

export type EiaFuelTypeRow = {
  period: string;
  respondent: string;
  fueltype: string;
  /** A string since API v2.1.6 (January 2024); null when not reported. */
  value: string | number | null;
  "value-units"?: string;
};

/** EIA's hourly `start`/`end` form, e.g. 2025-01-01T05 (UTC). */
export const eiaHour = (ms: number) => new Date(ms).toISOString().slice(0, 13);

export class Eia930Source implements GridIntensitySource {
  readonly name = eia930SourceName;
  readonly notice = eiaNotice;
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #backoff: BackoffOptions;
  readonly #fetch: typeof fetch | undefined;
  readonly #pageRows: number;

  constructor(options: {
    apiKey: string;
    baseUrl?: string;
    backoff?: BackoffOptions;
    fetch?: typeof fetch;
    /** Rows per request, at most 5,000 (tests page with fewer). */
    pageRows?: number;
  }) {
    if (options.apiKey.trim() === "")
      throw new GridSourceError("No EIA API key is set", eia930SourceName, false);
    this.#apiKey = options.apiKey;
    this.#baseUrl = (options.baseUrl ?? eiaDefaultBaseUrl).replace(/\/+$/, "");
    this.#backoff = options.backoff ?? {};
    this.#fetch = options.fetch;
    this.#pageRows = Math.min(eiaMaxRowsPerRequest, options.pageRows ?? eiaMaxRowsPerRequest);
  }

  servesZone(zone: string): boolean {
    return zone in eiaRespondentByZone;
  }

  async fetchHours(
    zone: string,
    from: Date,
    to: Date,
    signal?: AbortSignal,
  ): Promise<GridIntensityFetch> {
    const respondent = eiaRespondentByZone[zone];
    if (respondent === undefined)
      throw new GridSourceError(`EIA-930 has no balancing authority for ${zone}`, this.name, false);
    const fromMs = floorHourMs(from.getTime());
    const toMs = to.getTime();
    // Period labels are hour ends: hours [from, to) are periods from+1h … to (end is inclusive).
    const rows = await this.#rows(respondent, eiaHour(fromMs + hourMs), eiaHour(toMs), signal);
    const mixByHour = new Map<number, Map<Fuel | null, number>>();
    for (const row of rows) {
      const hour = Date.parse(`${row.period}:00:00Z`) - hourMs;
      const mwh = row.value === null ? Number.NaN : Number(row.value);
      if (!(hour >= fromMs && hour < toMs) || !Number.isFinite(mwh)) continue;
      const fuel = eiaFuelCodes[row.fueltype] ?? null;
      let mix = mixByHour.get(hour);
      if (!mix) mixByHour.set(hour, (mix = new Map()));
      mix.set(fuel, (mix.get(fuel) ?? 0) + mwh);
    }
    return { sourceVersion: "api-v2", points: mixPoints(zone, mixByHour, mixIntensity) };
  }

  async #rows(
    respondent: string,
    start: string,
    end: string,
    signal: AbortSignal | undefined,
  ): Promise<EiaFuelTypeRow[]> {
    const rows: EiaFuelTypeRow[] = [];
    for (let offset = 0; ;) {
      const query = new URLSearchParams({
        api_key: this.#apiKey,
        frequency: "hourly",
        "data[0]": "value",
        "facets[respondent][]": respondent,
        start,
        end,
        "sort[0][column]": "period",
        "sort[0][direction]": "asc",
        offset: String(offset),
        length: String(this.#pageRows),
      });
      const text = await getText({
        source: this.name,
        url: `${this.#baseUrl}/v2/electricity/rto/fuel-type-data/data/?${query}`,
        describe: `EIA-930 fuel-type-data ${respondent} ${start}..${end} offset ${offset}`,
        headers: { accept: "application/json" },
        backoff: this.#backoff,
        ...(this.#fetch ? { fetch: this.#fetch } : {}),
        ...(signal ? { signal } : {}),
      });
      const body = JSON.parse(text) as { response?: { total?: string | number; data?: unknown } };
      const data = body.response?.data;
      const total = Number(body.response?.total);
      if (!Array.isArray(data) || !Number.isFinite(total))
        throw new GridSourceError(
          "EIA-930 answered without response.data and response.total",
          this.name,
          true,
        );
      rows.push(...(data as EiaFuelTypeRow[]));
      offset += data.length;
      if (data.length === 0 || offset >= total) return rows;
    }
  }
}
