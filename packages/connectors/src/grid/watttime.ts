import type { BackoffOptions } from "../live/errors";
import { floorHourMs, getText, hourMs } from "./http";
import { GridSourceError, type GridSourceNotice } from "./source";
import wattTimeRegions from "./watttime-regions.json";

/**
 * WattTime API v3 (https://docs.watttime.org): the marginal operating emission rate (`co2_moer`) of
 * a grid region, in 5-minute points. Used only to rank hours for time-shifting advice: a marginal
 * rate answers "what does one more kWh now emit", not "what did the kWh consumed emit", so it never
 * enters the inventory (GHG Protocol Scope 2 uses average factors; docs/methodology.md §18.1).
 *
 * Contract (WattTime API docs): `GET /login` with HTTP Basic auth answers `{ token }`, a bearer
 * token that expires after 30 minutes (a data call then answers 401: log in again); `GET
 * /v3/historical?region&start&end&signal_type` answers `{ data: [{ point_time, value }], meta: {
 * region, signal_type, units, model: { date } } }` for at most 32 days per request, only for regions
 * the plan includes (403 otherwise; without a subscription only CAISO_NORTH); at most 3,000
 * requests per 5 minutes per user and 100 logins per 5 minutes (429 beyond).
 */
export const wattTimeSourceName = "watttime";
export const wattTimeSignal = "co2_moer";
export const wattTimeDefaultBaseUrl = "https://api.watttime.org";
export const wattTimeMaxRangeDays = 32;
/** 1 lb = 453.59237 g (exact, international pound) and 1 MWh = 1,000 kWh: lb/MWh × 0.45359237 = g/kWh. */
export const gPerKwhPerLbPerMwh = 0.45359237;
/** Tokens last 30 minutes; one is renewed a minute early so a request never starts with a stale one. */
const tokenLifetimeMs = 29 * 60_000;

export const wattTimeNotice: GridSourceNotice = {
  licence: "WattTime API terms of use (subscription data; for the subscriber's own use)",
  attribution: "Marginal emissions rate (co2_moer): WattTime, watttime.org",
  url: "https://watttime.org",
};

/** The WattTime region of a cloud region, from the GSF Cloud Region Metadata (`wt-region-id`). */
export function wattTimeRegionOf(provider: string, region: string): string | null {
  return (wattTimeRegions.regions as Record<string, string>)[`${provider}:${region}`] ?? null;
}

export type MarginalHour = { region: string; hour: Date; gCo2PerKwh: number; samples: number };
export type MarginalFetch = { modelVersion: string; points: MarginalHour[] };

type Historical = {
  data?: { point_time?: string; value?: number }[];
  meta?: { region?: string; signal_type?: string; units?: string; model?: { date?: string } };
};

export class WattTimeMarginalSource {
  readonly name = wattTimeSourceName;
  readonly notice = wattTimeNotice;
  readonly #baseUrl: string;
  readonly #basic: string;
  readonly #backoff: BackoffOptions;
  readonly #fetch: typeof fetch | undefined;
  #token: { value: string; expiresAt: number } | null = null;

  constructor(options: {
    username: string;
    password: string;
    baseUrl?: string;
    backoff?: BackoffOptions;
    fetch?: typeof fetch;
  }) {
    this.#baseUrl = (options.baseUrl ?? wattTimeDefaultBaseUrl).replace(/\/+$/, "");
    this.#basic = Buffer.from(`${options.username}:${options.password}`).toString("base64");
    this.#backoff = options.backoff ?? {};
    this.#fetch = options.fetch;
  }

  /**
   * Hourly means of the region's `co2_moer` over [from, to), in gCO2/kWh, 32 days per request.
   * Throws GridSourceError: not retryable for refused credentials or a region outside the plan.
   */
  async fetchHours(
    region: string,
    from: Date,
    to: Date,
    signal?: AbortSignal,
  ): Promise<MarginalFetch> {
    const sums = new Map<number, { sum: number; samples: number }>();
    let modelVersion = "";
    const maxRangeMs = wattTimeMaxRangeDays * 24 * hourMs;
    for (let start = from.getTime(); start < to.getTime(); start += maxRangeMs) {
      const end = Math.min(start + maxRangeMs, to.getTime());
      const body = await this.#historical(region, new Date(start), new Date(end), signal);
      const units = body.meta?.units;
      if (units !== "lbs_co2_per_mwh")
        throw new GridSourceError(
          `WattTime answered ${region} in "${units ?? "no units"}", expected lbs_co2_per_mwh`,
          this.name,
          false,
        );
      modelVersion = body.meta?.model?.date ?? modelVersion;
      for (const point of body.data ?? []) {
        const ms = Date.parse(point.point_time ?? "");
        if (
          !Number.isFinite(ms) ||
          typeof point.value !== "number" ||
          !Number.isFinite(point.value)
        )
          continue;
        if (ms < start || ms >= end) continue;
        const hour = floorHourMs(ms);
        const cell = sums.get(hour) ?? { sum: 0, samples: 0 };
        cell.sum += point.value * gPerKwhPerLbPerMwh;
        cell.samples += 1;
        sums.set(hour, cell);
      }
    }
    const points = [...sums.entries()]
      .sort(([a], [b]) => a - b)
      .map(([ms, cell]) => ({
        region,
        hour: new Date(ms),
        gCo2PerKwh: cell.sum / cell.samples,
        samples: cell.samples,
      }));
    return { modelVersion: modelVersion || "unknown", points };
  }

  async #historical(
    region: string,
    start: Date,
    end: Date,
    signal?: AbortSignal,
  ): Promise<Historical> {
    const query = new URLSearchParams({
      region,
      start: start.toISOString(),
      end: end.toISOString(),
      signal_type: wattTimeSignal,
    });
    const request = async () =>
      getText({
        source: this.name,
        url: `${this.#baseUrl}/v3/historical?${query}`,
        describe: `WattTime historical ${region} ${query.get("start")}..${query.get("end")}`,
        headers: { authorization: `Bearer ${await this.#bearer(signal)}` },
        backoff: this.#backoff,
        ...(this.#fetch ? { fetch: this.#fetch } : {}),
        ...(signal ? { signal } : {}),
        authHint:
          " (401: the login token was refused; 403: the WattTime plan does not include this region; without a subscription only CAISO_NORTH is available)",
      });
    let text: string;
    try {
      text = await request();
    } catch (error) {
      // An expired token answers 401: log in once more, then give up.
      if (!(error instanceof GridSourceError) || error.status !== 401) throw error;
      this.#token = null;
      text = await request();
    }
    try {
      return JSON.parse(text) as Historical;
    } catch {
      throw new GridSourceError(
        `WattTime answered ${region} with a body that is not JSON`,
        this.name,
        true,
      );
    }
  }

  async #bearer(signal?: AbortSignal): Promise<string> {
    if (this.#token && this.#token.expiresAt > Date.now()) return this.#token.value;
    const text = await getText({
      source: this.name,
      url: `${this.#baseUrl}/login`,
      describe: "WattTime login",
      headers: { authorization: `Basic ${this.#basic}` },
      backoff: this.#backoff,
      ...(this.#fetch ? { fetch: this.#fetch } : {}),
      ...(signal ? { signal } : {}),
      authHint: " (check CANOPY_WATTTIME_USERNAME and CANOPY_WATTTIME_PASSWORD)",
    });
    const token = (JSON.parse(text) as { token?: unknown }).token;
    if (typeof token !== "string" || token === "")
      throw new GridSourceError("WattTime login answered without a token", this.name, false);
    this.#token = { value: token, expiresAt: Date.now() + tokenLifetimeMs };
    return token;
  }
}
