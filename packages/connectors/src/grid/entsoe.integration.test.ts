import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EntsoeGenerationSource, entsoeEicByZone } from "./entsoe";
import { RequestPacer } from "./http";
import type { MixIntensityPoint } from "./mix-points";
import { GridSourceError } from "./source";
import { startFakeEntsoe, type FakeEntsoe } from "./testing/fake-entsoe";

const token = "entsoe-test-token";
const fastBackoff = { retries: 3, sleep: async () => {} };
const de = entsoeEicByZone.DE!;

let fake: FakeEntsoe;
beforeAll(async () => {
  fake = await startFakeEntsoe({ securityToken: token });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.throttleNext(0);
  fake.setSeries([]);
});

const source = (securityToken = token) =>
  new EntsoeGenerationSource({
    securityToken,
    baseUrl: fake.url,
    backoff: fastBackoff,
    pacer: new RequestPacer(0),
  });
const hour0 = new Date("2025-02-01T00:00Z");
const hour2 = new Date("2025-02-01T02:00Z");

describe("ENTSO-E actual generation per production type (A75/A16)", () => {
  it("averages PT15M points into hours and weights the fuels (checked by hand)", async () => {
    fake.setSeries([
      // lignite 15-min MW 400, 400, 600, 600 → mean 500 MW over hour 0 → 500 MWh; hour 1: 500 MWh
      {
        eic: de,
        psrType: "B02",
        resolutionMinutes: 15,
        start: "2025-02-01T00:00Z",
        mw: [400, 400, 600, 600, 500, 500, 500, 500],
      },
      // gas hourly 200 MW, then 300 MW
      {
        eic: de,
        psrType: "B04",
        resolutionMinutes: 60,
        start: "2025-02-01T00:00Z",
        mw: [200, 300],
      },
      // onshore wind 300 MW each quarter, sent as curve A03 (repeats left out)
      {
        eic: de,
        psrType: "B19",
        resolutionMinutes: 15,
        start: "2025-02-01T00:00Z",
        mw: [300, 300, 300, 300, 300, 300, 300, 300],
        compress: true,
      },
      // pumped storage generation and pumping are left out of the mix
      {
        eic: de,
        psrType: "B10",
        resolutionMinutes: 60,
        start: "2025-02-01T00:00Z",
        mw: [5000, 5000],
      },
      {
        eic: de,
        psrType: "B10",
        resolutionMinutes: 60,
        start: "2025-02-01T00:00Z",
        mw: [900, 900],
        consumption: true,
      },
    ]);
    const { points } = await source().fetchHours("DE", hour0, hour2);
    // hour 0: coal 500, gas 200, wind 300 (1,000 MWh)
    //   direct    = (500 × 760 + 200 × 370) / 1000 = (380,000 + 74,000) / 1000 = 454
    //   lifecycle = (500 × 820 + 200 × 490 + 300 × 11) / 1000 = (410,000 + 98,000 + 3,300) / 1000 = 511.3
    // hour 1: coal 500, gas 300, wind 300 (1,100 MWh)
    //   direct    = (380,000 + 111,000) / 1100 = 446.36…
    const byKey = new Map(
      (points as MixIntensityPoint[]).map((p) => [`${p.hour.toISOString()} ${p.boundary}`, p]),
    );
    expect(byKey.get("2025-02-01T00:00:00.000Z direct")).toMatchObject({
      gCo2ePerKwh: 454,
      estimated: false,
      unknownFuelShare: 0,
    });
    expect(byKey.get("2025-02-01T00:00:00.000Z lifecycle")!.gCo2ePerKwh).toBeCloseTo(511.3, 9);
    expect(byKey.get("2025-02-01T01:00:00.000Z direct")!.gCo2ePerKwh).toBeCloseTo(
      491_000 / 1100,
      9,
    );
    expect(points).toHaveLength(4);
    const query = fake.requests[0]!.query;
    expect([
      query.get("documentType"),
      query.get("processType"),
      query.get("in_Domain"),
      query.get("periodStart"),
      query.get("periodEnd"),
    ]).toEqual(["A75", "A16", de, "202502010000", "202502010200"]);
  });

  it("marks hours estimated when 'Other' generates or a production type misses quarters", async () => {
    fake.setSeries([
      {
        eic: de,
        psrType: "B04",
        resolutionMinutes: 15,
        start: "2025-02-01T00:00Z",
        mw: [100, 100, 100, 100, 100, 100],
      },
      { eic: de, psrType: "B20", resolutionMinutes: 60, start: "2025-02-01T00:00Z", mw: [100] },
    ]);
    const { points } = await source().fetchHours("DE", hour0, hour2);
    const direct = (points as MixIntensityPoint[]).filter((p) => p.boundary === "direct");
    // hour 0: gas 100 + other 100 → 370, unknown share 0.5; hour 1: gas has 2 of 4 quarters, B20 none
    expect(direct.map((p) => [p.gCo2ePerKwh, p.estimated, p.unknownFuelShare])).toEqual([
      [370, true, 0.5],
      [370, true, 0],
    ]);
  });

  it("splits a backfill longer than a year, which the fake (like the API) refuses in one request", async () => {
    fake.setSeries([
      { eic: de, psrType: "B14", resolutionMinutes: 60, start: "2024-01-01T00:00Z", mw: [8000] },
    ]);
    const { points } = await source().fetchHours(
      "DE",
      new Date("2024-01-01T00:00Z"),
      new Date("2025-03-01T00:00Z"),
    );
    expect(points.map((p) => p.gCo2ePerKwh)).toEqual([0, 12]); // nuclear direct 0, lifecycle 12
    expect(fake.requests).toHaveLength(2);
    const tooLong = await fetch(
      `${fake.url}/api?documentType=A75&processType=A16&in_Domain=${de}&periodStart=202401010000&periodEnd=202501010100&securityToken=${token}`,
    );
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain("one year");
  });

  it("takes the 'No matching data found' acknowledgement as no hours, not as an error", async () => {
    const result = await source().fetchHours("FR", hour0, hour2);
    expect(result.points).toEqual([]);
  });

  it("refuses a wrong token without retrying", async () => {
    const error = await source("not-the-token")
      .fetchHours("DE", hour0, hour2)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridSourceError);
    expect((error as GridSourceError).retryable).toBe(false);
    expect(String(error)).not.toContain("not-the-token");
    expect(fake.requests).toHaveLength(1);
  });

  it("retries 429s and reports an outage as retryable", async () => {
    fake.setSeries([
      { eic: de, psrType: "B04", resolutionMinutes: 60, start: "2025-02-01T00:00Z", mw: [1] },
    ]);
    fake.throttleNext(1, 0);
    expect((await source().fetchHours("DE", hour0, hour2)).points).toHaveLength(2);
    fake.failNext(503, 503, 503, 503);
    const error = await source()
      .fetchHours("DE", hour0, hour2)
      .catch((e: unknown) => e);
    expect((error as GridSourceError).retryable).toBe(true);
  });

  it("the fake answers 429 above its per-minute limit, and the pacer spaces requests", async () => {
    const strict = await startFakeEntsoe({ securityToken: token, maxRequestsPerMinute: 2 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await fetch(`${strict.url}/api?securityToken=${token}`)).status);
      expect(statuses).toEqual([400, 400, 429]);
    } finally {
      await strict.close();
    }
    const waits: number[] = [];
    const pacer = new RequestPacer(150, async (ms) => void waits.push(ms));
    await pacer.wait();
    await pacer.wait();
    await pacer.wait();
    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms > 0 && ms <= 300)).toBe(true);
  });
});
