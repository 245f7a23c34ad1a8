import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Eia930Source } from "./eia-930";
import type { MixIntensityPoint } from "./mix-points";
import { GridSourceError } from "./source";
import { startFakeEia930, type FakeEia930, type FakeEiaRow } from "./testing/fake-eia-930";

const apiKey = "eia-test-key";
const fastBackoff = { retries: 3, sleep: async () => {} };

let fake: FakeEia930;
beforeAll(async () => {
  fake = await startFakeEia930({ apiKey });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.throttleNext(0);
});

const source = (options: { pageRows?: number; key?: string } = {}) =>
  new Eia930Source({
    apiKey: options.key ?? apiKey,
    baseUrl: fake.url,
    backoff: fastBackoff,
    ...(options.pageRows ? { pageRows: options.pageRows } : {}),
  });

/** PJM's mix for the hour ending `period` (UTC), in MWh. */
const hourRows = (period: string, mwh: Record<string, number | null>): FakeEiaRow[] =>
  Object.entries(mwh).map(([fueltype, value]) => ({
    period,
    respondent: "PJM",
    fueltype,
    mwh: value,
  }));

describe("EIA-930 source", () => {
  it("turns an hour's generation mix into direct and lifecycle intensity (checked by hand)", async () => {
    // Period 2025-06-01T01 is the hour ending 01:00 UTC, i.e. the hour starting 00:00.
    // COL 300, NG 500, NUC 400, WND 100, SUN 100 MWh (1,400 MWh):
    // direct    = (300 × 760 + 500 × 370) / 1400 = (228,000 + 185,000) / 1400 = 295
    // lifecycle = (300 × 820 + 500 × 490 + 400 × 12 + 100 × 11 + 100 × 48) / 1400
    //           = (246,000 + 245,000 + 4,800 + 1,100 + 4,800) / 1400 = 501,700 / 1400 = 358.357…
    fake.setRows([
      ...hourRows("2025-06-01T01", { COL: 300, NG: 500, NUC: 400, WND: 100, SUN: 100 }),
      { period: "2025-06-01T01", respondent: "MISO", fueltype: "COL", mwh: 9999 },
    ]);
    const { points } = await source().fetchHours(
      "US-MIDA-PJM",
      new Date("2025-06-01T00:00Z"),
      new Date("2025-06-01T01:00Z"),
    );
    expect(points).toHaveLength(2);
    const [direct, lifecycle] = points as MixIntensityPoint[];
    expect(direct).toMatchObject({
      zone: "US-MIDA-PJM",
      hour: new Date("2025-06-01T00:00Z"),
      boundary: "direct",
      gCo2ePerKwh: 295,
      estimated: false,
      unknownFuelShare: 0,
    });
    expect(lifecycle!.boundary).toBe("lifecycle");
    expect(lifecycle!.gCo2ePerKwh).toBeCloseTo(501_700 / 1400, 9);
    const query = fake.requests[0]!.query;
    expect(query.get("facets[respondent][]")).toBe("PJM");
    expect([query.get("start"), query.get("end"), query.get("frequency")]).toEqual([
      "2025-06-01T01",
      "2025-06-01T01",
      "hourly",
    ]);
  });

  it("marks an hour with 'other' generation estimated and states its share", async () => {
    // NG 600 + OTH 200: direct 370 over the gas, unknown share 200 / 800 = 0.25.
    fake.setRows(hourRows("2025-06-01T02", { NG: 600, OTH: 200, WAT: null }));
    const { points } = await source().fetchHours(
      "US-MIDA-PJM",
      new Date("2025-06-01T01:00Z"),
      new Date("2025-06-01T02:00Z"),
    );
    expect(points[0]).toMatchObject({
      boundary: "direct",
      gCo2ePerKwh: 370,
      estimated: true,
      unknownFuelShare: 0.25,
    });
  });

  it("pages with offset/length until response.total rows are read", async () => {
    const rows: FakeEiaRow[] = [];
    for (let h = 1; h <= 24; h++) {
      const period = `2025-06-02T${String(h % 24).padStart(2, "0")}`;
      rows.push(
        ...hourRows(h === 24 ? "2025-06-03T00" : period, { COL: 100 + h, NG: 200, WND: 50 }),
      );
    }
    fake.setRows(rows);
    const { points } = await source({ pageRows: 10 }).fetchHours(
      "US-MIDA-PJM",
      new Date("2025-06-02T00:00Z"),
      new Date("2025-06-03T00:00Z"),
    );
    expect(points).toHaveLength(48); // 24 hours × 2 boundaries
    expect(fake.requests.map((r) => r.query.get("offset"))).toEqual([
      "0",
      "10",
      "20",
      "30",
      "40",
      "50",
      "60",
      "70",
    ]);
    // 72 rows: 8 pages of 10 (the last one 2 rows)
  });

  it("the fake cuts a length above 5,000 to 5,000 rows, as the API's documented maximum", async () => {
    fake.setRows(
      Array.from({ length: 5003 }, (_, i) => ({
        period: "2025-06-04T01",
        respondent: "PJM",
        fueltype: `X${i}`,
        mwh: 1,
      })),
    );
    const body = (await (
      await fetch(
        `${fake.url}/v2/electricity/rto/fuel-type-data/data/?api_key=${apiKey}&frequency=hourly&length=6000`,
      )
    ).json()) as {
      response: { total: string; data: unknown[]; warnings?: unknown[] };
    };
    expect([
      body.response.total,
      body.response.data.length,
      body.response.warnings?.length,
    ]).toEqual(["5003", 5000, 1]);
  });

  it("refuses a wrong key without retrying (not retryable)", async () => {
    const error = await source({ key: "wrong" })
      .fetchHours("US-MIDA-PJM", new Date("2025-06-01T00:00Z"), new Date("2025-06-01T01:00Z"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridSourceError);
    expect((error as GridSourceError).retryable).toBe(false);
    expect(String(error)).not.toContain("wrong"); // the key never appears in messages
    expect(fake.requests).toHaveLength(1);
    expect(() => new Eia930Source({ apiKey: " " })).toThrow(GridSourceError);
  });

  it("waits out 429s and reports a lasting outage as retryable", async () => {
    fake.setRows(hourRows("2025-06-01T01", { NG: 10 }));
    fake.throttleNext(2);
    const { points } = await source().fetchHours(
      "US-MIDA-PJM",
      new Date("2025-06-01T00:00Z"),
      new Date("2025-06-01T01:00Z"),
    );
    expect(points[0]!.gCo2ePerKwh).toBe(370);
    fake.failNext(502, 503, 503, 503);
    const error = await source()
      .fetchHours("US-MIDA-PJM", new Date("2025-06-01T00:00Z"), new Date("2025-06-01T01:00Z"))
      .catch((e: unknown) => e);
    expect((error as GridSourceError).retryable).toBe(true);
  });

  it("serves the data pack's US zones by their balancing authority only", () => {
    expect(source().servesZone("US-TEX-ERCO")).toBe(true);
    expect(source().servesZone("DE")).toBe(false);
  });
});
