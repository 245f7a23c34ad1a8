import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NesoCarbonIntensitySource } from "./neso";
import { GridSourceError } from "./source";
import { startFakeNeso, type FakeNeso, type FakeNesoHalfHour } from "./testing/fake-neso";

const fastBackoff = { retries: 3, sleep: async () => {} };
const halfHourMs = 1_800_000;
const at = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";

let fake: FakeNeso;
beforeAll(async () => {
  fake = await startFakeNeso();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.throttleNext(0);
});

const source = () => new NesoCarbonIntensitySource({ baseUrl: fake.url, backoff: fastBackoff });

describe("NESO Carbon Intensity source", () => {
  it("averages the two half-hours of each UTC hour and stores actuals as direct (checked by hand)", async () => {
    fake.setHalfHours([
      { from: "2025-03-01T00:00Z", forecast: 150, actual: 140 },
      { from: "2025-03-01T00:30Z", forecast: 160, actual: 151 },
      // forecast only in the second half: (120 + 131) / 2 = 125.5, estimated
      { from: "2025-03-01T01:00Z", forecast: 118, actual: 120 },
      { from: "2025-03-01T01:30Z", forecast: 131, actual: null },
      // one half missing: a gap, not a half-hour passed off as the hour
      { from: "2025-03-01T02:00Z", forecast: 99, actual: 98 },
    ]);
    const { points } = await source().fetchHours(
      "GB",
      new Date("2025-03-01T00:00Z"),
      new Date("2025-03-01T03:00Z"),
    );
    expect(points).toEqual([
      {
        zone: "GB",
        hour: new Date("2025-03-01T00:00Z"),
        boundary: "direct",
        gCo2ePerKwh: 145.5,
        estimated: false,
      },
      {
        zone: "GB",
        hour: new Date("2025-03-01T01:00Z"),
        boundary: "direct",
        gCo2ePerKwh: 125.5,
        estimated: true,
      },
    ]);
  });

  it("pages a month in windows of at most 14 days, which the fake (like the API) enforces", async () => {
    const start = Date.parse("2025-01-01T00:00Z");
    const halves: FakeNesoHalfHour[] = [];
    for (let i = 0; i < 31 * 48; i++)
      halves.push({ from: at(start + i * halfHourMs), forecast: 200, actual: 100 + (i % 48) });
    fake.setHalfHours(halves);
    const { points } = await source().fetchHours(
      "GB",
      new Date(start),
      new Date("2025-02-01T00:00Z"),
    );
    expect(points).toHaveLength(31 * 24);
    expect(fake.requests).toHaveLength(3); // windows of 14 days less the half-hour asked early
    expect(fake.requests[0]!.path).toBe("/intensity/2024-12-31T23:30Z/2025-01-14T23:30Z");
    // hour 05:00 = mean of half-hours 10 and 11 of the day: (110 + 111) / 2
    expect(points[5]!.gCo2ePerKwh).toBe(110.5);
    const direct = await fetch(`${fake.url}/intensity/2025-01-01T00:00Z/2025-01-15T00:01Z`);
    expect(direct.status).toBe(400);
  });

  it("waits out throttling (429 with Retry-After) and then answers", async () => {
    fake.setHalfHours([
      { from: "2025-03-01T00:00Z", forecast: 1, actual: 10 },
      { from: "2025-03-01T00:30Z", forecast: 1, actual: 20 },
    ]);
    fake.throttleNext(2, 1);
    const { points } = await source().fetchHours(
      "GB",
      new Date("2025-03-01T00:00Z"),
      new Date("2025-03-01T01:00Z"),
    );
    expect(points.map((p) => p.gCo2ePerKwh)).toEqual([15]);
    expect(fake.requests).toHaveLength(3);
  });

  it("reports an outage as a retryable GridSourceError once retries run out", async () => {
    fake.failNext(503, 503, 503, 503);
    const error = await source()
      .fetchHours("GB", new Date("2025-03-01T00:00Z"), new Date("2025-03-01T01:00Z"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridSourceError);
    expect((error as GridSourceError).retryable).toBe(true);
    expect(fake.requests).toHaveLength(4);
  });

  it("serves GB only", async () => {
    expect(source().servesZone("GB")).toBe(true);
    expect(source().servesZone("IE")).toBe(false);
    await expect(source().fetchHours("DE", new Date(0), new Date(3_600_000))).rejects.toThrow(
      /GB only/,
    );
  });
});
