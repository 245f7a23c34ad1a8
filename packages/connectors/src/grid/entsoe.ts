import type { BackoffOptions } from "../live/errors";
import { entsoePsrTypes, entsoeStoragePsrTypes, mixIntensity, type Fuel } from "./fuel-factors";
import { floorHourMs, getText, hourMs, RequestPacer } from "./http";
import { mixPoints } from "./mix-points";
import {
  GridSourceError,
  type GridIntensityFetch,
  type GridIntensitySource,
  type GridSourceNotice,
} from "./source";

/**
 * ENTSO-E Transparency Platform, Actual Generation per Production Type (article 16.1.B&C:
 * documentType A75, processType A16 "realised"), `securityToken` query parameter. The answer is a
 * GL_MarketDocument: one TimeSeries per production type (`psrType`) with Periods of Points (average
 * MW per PT15M / PT30M / PT60M interval), turned into hourly energy per fuel and an intensity with
 * Canopy's fuel factors. At most one year per request; 400 requests per minute per token.
 */
export const entsoeSourceName = "entsoe-generation";
export const entsoeDefaultBaseUrl = "https://web-api.tp.entsoe.eu";
/** "Requested date range exceeds permitted limit of one year": 365 days is under it in any year. */
export const entsoeMaxRangeDays = 365;
/** 400 requests per minute per token (and IP): one request every 150 ms at most. */
export const entsoeMinRequestIntervalMs = 150;

/**
 * Electricity Maps zone → ENTSO-E area EIC for the data pack's European zones, from
 * electricitymaps-contrib `ENTSOE_DOMAIN_MAPPINGS` (electricitymap/contrib/parsers/ENTSOE.py,
 * commit 0115d708), which lists the codes of the API guide's area table. GB is served by NESO.
 */
export const entsoeEicByZone: Readonly<Record<string, string>> = {
  AT: "10YAT-APG------L",
  BE: "10YBE----------2",
  CH: "10YCH-SWISSGRIDZ",
  DE: "10Y1001A1001A83F",
  "DK-DK2": "10YDK-2--------M",
  ES: "10YES-REE------0",
  FI: "10YFI-1--------U",
  FR: "10YFR-RTE------C",
  GR: "10YGR-HTSO-----Y",
  IE: "10YIE-1001A00010",
  "IT-NO": "10Y1001A1001A73I",
  NL: "10YNL----------L",
  "NO-NO1": "10YNO-1--------2",
  "NO-NO2": "10YNO-2--------T",
  PL: "10YPL-AREA-----S",
  SE: "10YSE-1--------K",
  "SE-SE3": "10Y1001A1001A46L",
};

export const entsoeNotice: GridSourceNotice = {
  licence: "ENTSO-E Transparency Platform terms and conditions; attribute ENTSO-E",
  attribution:
    "Generation: ENTSO-E Transparency Platform, Actual Generation per Production Type (16.1.B&C); intensity computed by Canopy with IPCC AR5 fuel factors",
  url: "https://transparency.entsoe.eu",
};

/** The API's periodStart/periodEnd form, yyyyMMddHHmm in UTC. */
export const entsoeTime = (ms: number) =>
  new Date(ms).toISOString().slice(0, 16).replace(/[-:T]/g, "");

export class EntsoeGenerationSource implements GridIntensitySource {
  readonly name = entsoeSourceName;
  readonly notice = entsoeNotice;
  readonly #token: string;
  readonly #baseUrl: string;
  readonly #backoff: BackoffOptions;
  readonly #fetch: typeof fetch | undefined;
  readonly #pacer: RequestPacer;

  constructor(options: {
    securityToken: string;
    baseUrl?: string;
    backoff?: BackoffOptions;
    fetch?: typeof fetch;
    pacer?: RequestPacer;
  }) {
    if (options.securityToken.trim() === "")
      throw new GridSourceError("No ENTSO-E security token is set", entsoeSourceName, false);
    this.#token = options.securityToken;
    this.#baseUrl = (options.baseUrl ?? entsoeDefaultBaseUrl).replace(/\/+$/, "");
    this.#backoff = options.backoff ?? {};
    this.#fetch = options.fetch;
    this.#pacer = options.pacer ?? new RequestPacer(entsoeMinRequestIntervalMs);
  }

  servesZone(zone: string): boolean {
    return zone in entsoeEicByZone;
  }

  async fetchHours(
    zone: string,
    from: Date,
    to: Date,
    signal?: AbortSignal,
  ): Promise<GridIntensityFetch> {
    const eic = entsoeEicByZone[zone];
    if (eic === undefined)
      throw new GridSourceError(`ENTSO-E has no area code for ${zone}`, this.name, false);
    const fromMs = floorHourMs(from.getTime());
    const toMs = to.getTime();
    const slots = new Map<string, Map<number, number>>(); // psrType → interval start → MW
    const resolutionMs = new Map<string, number>();
    for (let start = fromMs; start < toMs; start += entsoeMaxRangeDays * 24 * hourMs) {
      const end = Math.min(toMs, start + entsoeMaxRangeDays * 24 * hourMs);
      const query = new URLSearchParams({
        documentType: "A75",
        processType: "A16",
        in_Domain: eic,
        periodStart: entsoeTime(start),
        periodEnd: entsoeTime(end),
        securityToken: this.#token,
      });
      await this.#pacer.wait();
      const xml = await getText({
        source: this.name,
        url: `${this.#baseUrl}/api?${query}`,
        describe: `ENTSO-E A75 ${zone} ${entsoeTime(start)}..${entsoeTime(end)}`,
        headers: { accept: "application/xml" },
        backoff: this.#backoff,
        ...(this.#fetch ? { fetch: this.#fetch } : {}),
        ...(signal ? { signal } : {}),
        accept: (status, body) => status === 400 && noMatchingData(body),
      });
      const ack = acknowledgement(xml);
      if (ack && isNoMatchingData(ack)) continue;
      if (ack)
        throw new GridSourceError(
          `ENTSO-E refused the request: ${ack.code} ${ack.text}`,
          this.name,
          false,
        );
      for (const series of parseGlMarketDocument(xml)) {
        if (series.consumption || entsoeStoragePsrTypes.has(series.psrType)) continue;
        let bySlot = slots.get(series.psrType);
        if (!bySlot) slots.set(series.psrType, (bySlot = new Map()));
        resolutionMs.set(series.psrType, series.resolutionMs);
        for (const [slot, mw] of series.values)
          if (slot >= fromMs && slot < toMs) bySlot.set(slot, mw);
      }
    }
    const { mixByHour, incompleteHours } = hourlyMix(slots, resolutionMs);
    return {
      sourceVersion: "api-A75-A16",
      points: mixPoints(zone, mixByHour, mixIntensity, incompleteHours),
    };
  }
}

export type EntsoeSeries = {
  psrType: string;
  /** The series carries outBiddingZone_Domain: consumption (pumping), not generation. */
  consumption: boolean;
  resolutionMs: number;
  /** Interval start (ms) → average MW over the interval. */
  values: Map<number, number>;
};

const tag = (xml: string, name: string) =>
  new RegExp(`<${name.replace(/\./g, "\\.")}(?:\\s[^>]*)?>([^<]*)</`).exec(xml)?.[1]?.trim();
const blocks = (xml: string, name: string) =>
  [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((m) => m[1]!);

function durationMs(iso: string): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(iso);
  if (!m || (!m[1] && !m[2])) throw new Error(`unsupported resolution ${iso}`);
  return (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60_000;
}

/**
 * The TimeSeries of a GL_MarketDocument. Curve type A03 (variable-sized blocks) omits points whose
 * value repeats, so each position without a point takes the previous point's quantity.
 */
export function parseGlMarketDocument(xml: string): EntsoeSeries[] {
  if (!xml.includes("<GL_MarketDocument")) throw new Error("not a GL_MarketDocument");
  return blocks(xml, "TimeSeries").map((ts) => {
    const psrType = tag(ts, "psrType") ?? "";
    const curveType = tag(ts, "curveType") ?? "A01";
    const values = new Map<number, number>();
    let resolution = hourMs;
    for (const period of blocks(ts, "Period")) {
      const start = Date.parse(tag(period, "start") ?? "");
      const end = Date.parse(tag(period, "end") ?? "");
      resolution = durationMs(tag(period, "resolution") ?? "");
      const byPosition = new Map<number, number>();
      for (const point of blocks(period, "Point"))
        byPosition.set(Number(tag(point, "position")), Number(tag(point, "quantity")));
      const count = Math.round((end - start) / resolution);
      let last: number | undefined;
      for (let position = 1; position <= count; position++) {
        const q = byPosition.get(position) ?? (curveType === "A03" ? last : undefined);
        if (q !== undefined && Number.isFinite(q))
          values.set(start + (position - 1) * resolution, q);
        last = q;
      }
    }
    return {
      psrType,
      consumption: ts.includes("<outBiddingZone_Domain.mRID"),
      resolutionMs: resolution,
      values,
    };
  });
}

function acknowledgement(xml: string): { code: string; text: string } | undefined {
  if (!xml.includes("<Acknowledgement_MarketDocument")) return undefined;
  const reason = blocks(xml, "Reason")[0] ?? "";
  return { code: tag(reason, "code") ?? "", text: tag(reason, "text") ?? "" };
}

/**
 * Rejections and "no data" share reason code 999 (API guide example); only the text tells them
 * apart, as Electricity Maps' parser also reads it.
 */
const isNoMatchingData = (ack: { text: string }) => /no matching data found/i.test(ack.text);
const noMatchingData = (body: string) => {
  const ack = acknowledgement(body);
  return ack !== undefined && isNoMatchingData(ack);
};

/**
 * MWh per fuel and hour: the mean MW of the hour's intervals × 1 h. An hour is incomplete when a
 * production type that reports elsewhere in the range has fewer intervals in it than it should.
 */
export function hourlyMix(
  slots: ReadonlyMap<string, ReadonlyMap<number, number>>,
  resolutionMs: ReadonlyMap<string, number>,
): { mixByHour: Map<number, Map<Fuel | null, number>>; incompleteHours: Set<number> } {
  const perHour = new Map<string, Map<number, { sumMw: number; n: number }>>();
  const hours = new Set<number>();
  for (const [psr, bySlot] of slots) {
    const acc = new Map<number, { sumMw: number; n: number }>();
    perHour.set(psr, acc);
    for (const [slot, mw] of bySlot) {
      const hour = floorHourMs(slot);
      hours.add(hour);
      const a = acc.get(hour) ?? { sumMw: 0, n: 0 };
      a.sumMw += mw;
      a.n += 1;
      acc.set(hour, a);
    }
  }
  const mixByHour = new Map<number, Map<Fuel | null, number>>();
  const incompleteHours = new Set<number>();
  for (const hour of hours) {
    const mix = new Map<Fuel | null, number>();
    for (const [psr, acc] of perHour) {
      const a = acc.get(hour);
      const expected = Math.max(1, Math.round(hourMs / (resolutionMs.get(psr) ?? hourMs)));
      if (!a || a.n < expected) incompleteHours.add(hour);
      if (!a) continue;
      const fuel = entsoePsrTypes[psr] ?? null;
      mix.set(fuel, (mix.get(fuel) ?? 0) + a.sumMw / a.n);
    }
    mixByHour.set(hour, mix);
  }
  return { mixByHour, incompleteHours };
}
