import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GridSourceError } from "./source";
import { startFakeWattTime, type FakeWattTime } from "./testing/fake-watttime";
import { gPerKwhPerLbPerMwh, WattTimeMarginalSource, wattTimeRegionOf } from "./watttime";

const fastBackoff = { retries: 3, sleep: async () => {} };
const hourMs = 3_600_000;

let fake: FakeWattTime;
beforeAll(async () => {
  fake = await startFakeWattTime({
    users: { canopy: "s3cret" },
    regions: ["CAISO_NORTH", "PJM_DC"],
  });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  // 5-minute points rising by 12 lb/MWh per point within each hour: the hour's mean is 600 + 66.
  fake.setValue((_region, ms) => 600 + ((ms % hourMs) / 300_000) * 12);
});

const source = (password = "s3cret") =>
  new WattTimeMarginalSource({
    username: "canopy",
    password,
    baseUrl: fake.url,
    backoff: fastBackoff,
  });

describe("WattTime marginal source", () => {
  it("averages the twelve 5-minute points of each UTC hour and converts lb/MWh to g/kWh", async () => {
    const { points, modelVersion } = await source().fetchHours(
      "CAISO_NORTH",
      new Date("2025-06-01T00:00:00Z"),
      new Date("2025-06-01T03:00:00Z"),
    );
    expect(modelVersion).toBe("2026-03-01");
    expect(points).toHaveLength(3);
    for (const [index, point] of points.entries()) {
      expect(point.hour).toEqual(new Date(Date.parse("2025-06-01T00:00:00Z") + index * hourMs));
      expect(point.samples).toBe(12);
      // mean of 600, 612, …, 732 = 666 lb/MWh = 302.09 g/kWh (× 0.45359237)
      expect(point.gCo2PerKwh).toBeCloseTo(666 * 0.45359237, 9);
    }
    expect(gPerKwhPerLbPerMwh).toBe(0.45359237);
  });

  it("splits a range into requests of at most 32 days (the API refuses longer ones)", async () => {
    const from = new Date("2025-01-01T00:00:00Z");
    const to = new Date("2025-03-15T00:00:00Z"); // 73 days: 32 + 32 + 9
    const { points } = await source().fetchHours("PJM_DC", from, to);
    const calls = fake.requests.filter((r) => r.path === "/v3/historical");
    expect(calls).toHaveLength(3);
    expect(points).toHaveLength(73 * 24);
    expect(calls.every((c) => c.query.get("signal_type") === "co2_moer")).toBe(true);
  });

  it("logs in once, and again when the token has expired (401), then carries on", async () => {
    const wattTime = source();
    const hour = (h: number) => new Date(Date.parse("2025-06-01T00:00:00Z") + h * hourMs);
    const before = fake.logins();
    await wattTime.fetchHours("CAISO_NORTH", hour(0), hour(1));
    await wattTime.fetchHours("CAISO_NORTH", hour(1), hour(2));
    expect(fake.logins() - before).toBe(1);
    fake.expireTokens();
    const { points } = await wattTime.fetchHours("CAISO_NORTH", hour(2), hour(3));
    expect(points).toHaveLength(1);
    expect(fake.logins() - before).toBe(2);
    expect(fake.requests.map((r) => r.path)).toEqual([
      "/login",
      "/v3/historical",
      "/v3/historical",
      "/v3/historical", // 401: the token expired
      "/login",
      "/v3/historical",
    ]);
  });

  it("refuses wrong credentials and regions outside the plan without retrying", async () => {
    const refused = await source("wrong")
      .fetchHours("CAISO_NORTH", new Date("2025-06-01T00:00:00Z"), new Date("2025-06-01T01:00:00Z"))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GridSourceError);
    expect((refused as GridSourceError).retryable).toBe(false);
    expect((refused as GridSourceError).message).toMatch(/401.*CANOPY_WATTTIME_USERNAME/);

    const outside = await source()
      .fetchHours("DE", new Date("2025-06-01T00:00:00Z"), new Date("2025-06-01T01:00:00Z"))
      .catch((error: unknown) => error);
    expect((outside as GridSourceError).retryable).toBe(false);
    expect((outside as GridSourceError).message).toMatch(/403.*does not include this region/);
  });

  it("retries throttling and outages with backoff, and reports an outage that outlasts them", async () => {
    fake.throttleNext(2);
    const { points } = await source().fetchHours(
      "CAISO_NORTH",
      new Date("2025-06-01T00:00:00Z"),
      new Date("2025-06-01T01:00:00Z"),
    );
    expect(points).toHaveLength(1);
    fake.failNext(503, 503, 503, 503, 503);
    const down = await source()
      .fetchHours("CAISO_NORTH", new Date("2025-06-01T00:00:00Z"), new Date("2025-06-01T01:00:00Z"))
      .catch((error: unknown) => error);
    expect((down as GridSourceError).retryable).toBe(true);
  });

  it("maps cloud regions to WattTime regions from the GSF region metadata", () => {
    expect(wattTimeRegionOf("aws", "us-west-1")).toBe("CAISO_NORTH");
    expect(wattTimeRegionOf("aws", "us-east-1")).toBe("PJM_DC");
    expect(wattTimeRegionOf("aws", "no-such-region")).toBeNull();
  });
});
