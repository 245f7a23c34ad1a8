/**
 * A source of hourly grid carbon intensity (Electricity Maps API or dataset files, GB NESO, EIA-930,
 * ENTSO-E). Each source turns its own wire format into points; the jobs store them with
 * `writeGridIntensity` (@canopy/db), whose point shape this matches.
 */

export type GridBoundary = "direct" | "lifecycle";

export type GridIntensityPoint = {
  /** Electricity Maps zone key, as the data pack maps cloud regions to zones ("DE", "US-MIDA-PJM", "GB"). */
  zone: string;
  /** Start of the UTC hour. */
  hour: Date;
  boundary: GridBoundary;
  gCo2ePerKwh: number;
  /** The source marks the value as estimated (or Canopy filled it from an incomplete generation mix). */
  estimated: boolean;
};

export type GridIntensityFetch = {
  /** Stored as grid_intensity_hourly.source_version: the API version, release or model of the values. */
  sourceVersion: string;
  points: GridIntensityPoint[];
};

/** Licence and attribution shown wherever the source's numbers appear. */
export type GridSourceNotice = { licence: string; attribution: string; url: string };

export interface GridIntensitySource {
  /** Stored as grid_intensity_hourly.source, e.g. "electricitymaps-api" (see gridSourcePrecedence). */
  readonly name: string;
  readonly notice: GridSourceNotice;
  /** The zones this source can answer for (others are never asked). */
  servesZone(zone: string): boolean;
  /**
   * Hourly values for one zone over [from, to). Pages, paces and retries inside (throttling is
   * retried with backoff); throws GridSourceError when the source is down or refuses the request.
   */
  fetchHours(zone: string, from: Date, to: Date, signal?: AbortSignal): Promise<GridIntensityFetch>;
}

/** A source failed: `retryable` says whether trying later can help (outage, throttling) or not (auth). */
export class GridSourceError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly retryable: boolean,
    /** The HTTP status of the answer that failed, when there was one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "GridSourceError";
  }
}
