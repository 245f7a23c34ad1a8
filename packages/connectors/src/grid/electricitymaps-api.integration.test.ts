import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ElectricityMapsApiSource, electricityMapsMaxRangeHours } from "./electricitymaps-api";
import { GridSourceError } from "./source";
import {
  startFakeElectricityMaps,
  type FakeElectricityMaps,
  type FakeElectricityMapsHour,
} from "./testing/fake-electricitymaps";

const apiKey = "em-test-key-7f3a";
const hourMs = 3_600_000;
const jan1 = Date.UTC(2025, 0, 1);

/** `count` hours of SE from 2025-01-01, direct and lifecycle varying by hour, every 7th estimated. */
function swedishHours(count: number): FakeElectricityMapsHour[] {
  return Array.from({ length: count }, (_, i) => ({
    zone: "SE",
    datetime: new Date(jan1 + i * hourMs).toISOString(),
    direct: 2.5 + (i % 24) / 10,
    lifecycle: 30 + (i % 24) / 10,
    isEstimated: i % 7 === 0,
    estimationMethod: i % 7 === 0 ? "ESTIMATED_FORECASTS_HIERARCHY" : null,
  }));
}

describe("Electricity Maps API source against the contract fake", () => {
  let fake: FakeElectricityMaps;
  const noSleep = { sleep: async () => undefined, baseDelayMs: 1 };
  beforeAll(async () => {
    fake = await startFakeElectricityMaps({ apiKey });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.reset();
    fake.setHours(swedishHours(31 * 24));
  });
  const source = (key = apiKey) =>
    new ElectricityMapsApiSource({ apiKey: key, baseUrl: fake.url, backoff: noSleep });

  it("pages a month into windows of at most 240 hours, both boundaries, each hour once", async () => {
    const from = new Date(jan1);
    const to = new Date(jan1 + 31 * 24 * hourMs);
    const result = await source().fetchHours("SE", from, to);
    const ranges = fake.requests.filter((r) => r.path === "/v3/carbon-intensity/past-range");
    // 744 hours → ceil(744 / 240) = 4 windows × 2 boundaries.
    expect(ranges).toHaveLength(Math.ceil(744 / electricityMapsMaxRangeHours) * 2);
    for (const r of ranges) {
      expect(r.authToken).toBe(apiKey);
      expect(Date.parse(r.query.end!) - Date.parse(r.query.start!)).toBeLessThanOrEqual(
        electricityMapsMaxRangeHours * hourMs,
      );
    }
    expect(new Set(ranges.map((r) => r.query.emissionFactorType))).toEqual(
      new Set(["direct", "lifecycle"]),
    );
    expect(result.points).toHaveLength(744 * 2);
    const keys = new Set(result.points.map((p) => `${p.boundary}|${p.hour.getTime()}`));
    expect(keys.size).toBe(744 * 2);
    const hour5 = result.points.filter((p) => p.hour.getTime() === jan1 + 5 * hourMs);
    expect(Object.fromEntries(hour5.map((p) => [p.boundary, p.gCo2ePerKwh]))).toEqual({
      direct: 2.5 + 5 / 10,
      lifecycle: 30 + 5 / 10,
    });
    const hour7 = result.points.find((p) => p.hour.getTime() === jan1 + 7 * hourMs)!;
    expect(hour7.estimated).toBe(true);
    expect(hour5[0]!.estimated).toBe(false);
  });

  it("refuses a window over 240 hours, as the API does (the fake holds the limit)", async () => {
    const res = await fetch(
      `${fake.url}/v3/carbon-intensity/past-range?zone=SE&start=2025-01-01T00:00:00Z&end=2025-01-11T01:00:00Z`,
      { headers: { "auth-token": apiKey } },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/240 hours/);
  });

  it("reads the latest hour of each boundary", async () => {
    const latest = await source().fetchLatest("SE");
    expect(latest.points.map((p) => [p.boundary, p.hour.toISOString()])).toEqual([
      ["direct", new Date(jan1 + (744 - 1) * hourMs).toISOString()],
      ["lifecycle", new Date(jan1 + (744 - 1) * hourMs).toISOString()],
    ]);
  });

  it("retries 429 with backoff (honouring Retry-After) and then succeeds", async () => {
    fake.throttleNext(3, 2);
    const slept: number[] = [];
    const throttled = new ElectricityMapsApiSource({
      apiKey,
      baseUrl: fake.url,
      backoff: { sleep: async (ms) => void slept.push(ms) },
    });
    const result = await throttled.fetchHours("SE", new Date(jan1), new Date(jan1 + 24 * hourMs));
    expect(slept).toEqual([2000, 2000, 2000]);
    expect(result.points).toHaveLength(48);
  });

  it("gives up on endless throttling as a retryable GridSourceError", async () => {
    fake.throttleNext(100);
    const error = await source()
      .fetchHours("SE", new Date(jan1), new Date(jan1 + hourMs))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridSourceError);
    expect((error as GridSourceError).retryable).toBe(true);
    expect((error as GridSourceError).message).toMatch(/429/);
  });

  it("an outage (503) is retried, and one that lasts is a retryable error", async () => {
    fake.failNext(503, 502);
    const recovered = await source().fetchHours("SE", new Date(jan1), new Date(jan1 + hourMs));
    expect(recovered.points).toHaveLength(2);
    fake.failNext(...Array<number>(20).fill(503));
    const error = await source()
      .fetchHours("SE", new Date(jan1), new Date(jan1 + hourMs))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridSourceError);
    expect((error as GridSourceError).retryable).toBe(true);
  });

  it("a wrong key is one request and a non-retryable error that never shows the key", async () => {
    const error = await source("not-the-key")
      .fetchHours("SE", new Date(jan1), new Date(jan1 + hourMs))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridSourceError);
    expect((error as GridSourceError).retryable).toBe(false);
    expect((error as GridSourceError).message).toMatch(
      /401: Invalid auth-token: The provided token is invalid/,
    );
    expect((error as GridSourceError).message).not.toContain("not-the-key");
    expect(fake.requests).toHaveLength(1);
  });

  it("a request without the auth-token header is refused by the fake", async () => {
    const res = await fetch(`${fake.url}/v3/carbon-intensity/latest?zone=SE`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /valid authentication header/,
    );
  });

  it("a key revoked in the portal fails the same way (no retry storm)", async () => {
    fake.revokeToken();
    const error = await source()
      .fetchLatest("SE")
      .catch((e: unknown) => e);
    expect((error as GridSourceError).retryable).toBe(false);
    expect(fake.requests).toHaveLength(1);
  });

  it("an unknown zone is a non-retryable error", async () => {
    const error = await source()
      .fetchHours("XX", new Date(jan1), new Date(jan1 + hourMs))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridSourceError);
    expect((error as GridSourceError).retryable).toBe(false);
    expect((error as GridSourceError).message).toMatch(/404/);
  });

  it("the fake refuses datetimes that are not ISO 8601", async () => {
    const res = await fetch(
      `${fake.url}/v3/carbon-intensity/past-range?zone=SE&start=01/01/2025&end=2025-01-02T00:00:00Z`,
      { headers: { "auth-token": apiKey } },
    );
    expect(res.status).toBe(400);
  });

  it("hours the API returns without a value (null) are left out, not stored as zero", async () => {
    const hours = swedishHours(3);
    hours[1] = { ...hours[1]!, direct: null, lifecycle: null };
    fake.setHours(hours);
    const result = await source().fetchHours("SE", new Date(jan1), new Date(jan1 + 3 * hourMs));
    expect(result.points.map((p) => p.hour.getTime()).sort()).toEqual(
      [jan1, jan1, jan1 + 2 * hourMs, jan1 + 2 * hourMs].sort(),
    );
  });
});
