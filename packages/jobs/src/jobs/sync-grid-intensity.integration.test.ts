import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKeyring, gridSyncStatuses } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import {
  GridSourceError,
  configuredGridSources,
  configuredMarginalSource,
  type ConfiguredGridSource,
  type GridIntensityFetch,
  type GridIntensitySource,
} from "@canopy/connectors";
import { startFakeNeso, startFakeWattTime } from "@canopy/connectors/testing";
import type { JobDeps } from "../contract";
import { parsePayload } from "../registry";
import {
  createPacer,
  syncGridIntensity,
  windowToLoad,
  zonesInUse,
  type SyncClock,
} from "./sync-grid-intensity";

const hourMs = 3_600_000;
const at = (iso: string) => Date.parse(iso);

/** Virtual time: sleeping advances it, so pacing is measured without waiting. */
function fakeClock(startIso: string): SyncClock & { slept: number[] } {
  let now = at(startIso);
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

type Call = { zone: string; from: string; to: string; atMs: number };

/** A source speaking the GridIntensitySource interface; its value is a function of zone and hour. */
class FakeSource implements GridIntensitySource {
  readonly notice = { licence: "test", attribution: "test", url: "https://example.test" };
  readonly calls: Call[] = [];
  failure: GridSourceError | Error | undefined;
  /** Fail only from this call on (1-based), to simulate an outage half-way. */
  failFromCall = 1;
  constructor(
    readonly name: string,
    private readonly zones: string[],
    private readonly clock: SyncClock,
  ) {}
  servesZone(zone: string) {
    return this.zones.includes(zone);
  }
  async fetchHours(zone: string, from: Date, to: Date): Promise<GridIntensityFetch> {
    this.calls.push({
      zone,
      from: from.toISOString(),
      to: to.toISOString(),
      atMs: this.clock.now(),
    });
    if (this.failure && this.calls.length >= this.failFromCall) throw this.failure;
    const points = [];
    for (let ms = from.getTime(); ms < to.getTime(); ms += hourMs)
      points.push({
        zone,
        hour: new Date(ms),
        boundary: "lifecycle" as const,
        gCo2ePerKwh: 100 + new Date(ms).getUTCHours(),
        estimated: false,
      });
    return { sourceVersion: "fake-1", points };
  }
}

describe("sync-grid-intensity", () => {
  let database: TestDatabase;
  let deps: JobDeps;
  const logs: string[] = [];
  const enqueued: { name: string; payload: unknown }[] = [];
  const gbAccounts: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    deps = {
      owner: database.owner,
      app: database.app,
      keyring: createKeyring(Buffer.alloc(32, 7).toString("base64")),
      log: (line) => logs.push(line),
      enqueue: async (name, payload) => {
        enqueued.push({ name, payload });
        return randomUUID();
      },
    };
    // Two organizations: GB (aws eu-west-2, azure uksouth) from 2 Jan and DE (aws eu-central-1)
    // from 3 Jan. Usage in a region without a zone (none here) would be skipped.
    for (const [region, provider, firstHour] of [
      ["eu-west-2", "aws", "2025-01-02T05:30:00Z"],
      ["uksouth", "azure", "2025-01-01T00:00:00Z"],
      ["eu-central-1", "aws", "2025-01-03T00:00:00Z"],
    ] as const) {
      const tenantId = randomUUID();
      await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
        tenantId,
        `t-${tenantId.slice(0, 8)}`,
      ]);
      const { rows } = await database.owner.pool.query<{ id: string }>(
        `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
         VALUES ($1, $2, 'A', $3, 'active') RETURNING id`,
        [tenantId, provider, randomUUID().slice(0, 12)],
      );
      if (region !== "eu-central-1") gbAccounts.push(rows[0]!.id);
      await database.owner.pool.query(
        `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind,
           unit, quantity, shape_key)
         SELECT $1, $2, $3::timestamptz + (i || ' hours')::interval, 'd' || i, $4, 'compute', $5, 'compute',
           'hours', 1, 's'
         FROM generate_series(0, 3) AS i`,
        [tenantId, rows[0]!.id, firstHour, provider, region],
      );
    }
  });
  afterAll(async () => database?.drop());
  beforeEach(async () => {
    logs.length = 0;
    enqueued.length = 0;
    await database.owner.pool.query(
      "TRUNCATE grid_intensity_hourly, grid_intensity_superseded, grid_intensity_loads",
    );
  });

  const configured = (source: FakeSource, minIntervalMs = 1_000, windowHours = 24) =>
    [{ source, pacing: { minIntervalMs, windowHours, basis: "test" } }] as ConfiguredGridSource[];
  const storedHours = async (source: string, zone: string) =>
    (
      await database.owner.pool.query<{ n: number; first: Date; last: Date }>(
        `SELECT count(*)::int AS n, min(hour) AS first, max(hour) AS last FROM grid_intensity_hourly
         WHERE source = $1 AND zone = $2`,
        [source, zone],
      )
    ).rows[0]!;

  it("finds the zones of every organization's regions, from their earliest usage hour", async () => {
    const zones = await zonesInUse(deps);
    const found = [...zones.entries()].map(([zone, first]) => [zone, first.toISOString()]);
    expect(found.sort()).toEqual([
      ["DE", "2025-01-03T00:00:00.000Z"],
      ["GB", "2025-01-01T00:00:00.000Z"],
    ]);
  });

  it("backfills from the earliest usage hour in paced windows, then refreshes the recent window", async () => {
    const clock = fakeClock("2025-01-05T10:20:00Z");
    const source = new FakeSource("neso-carbon-intensity", ["GB"], clock);
    const backfill = await syncGridIntensity(deps, {
      mode: "backfill",
      sources: configured(source),
      refreshHours: 24,
      clock,
    });
    // GB from 1 Jan 00:00 up to the refresh window (now 10:00 − 24 h): 3 days + 10 h in 24 h windows.
    expect(source.calls.map((c) => [c.from, c.to])).toEqual([
      ["2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z"],
      ["2025-01-02T00:00:00.000Z", "2025-01-03T00:00:00.000Z"],
      ["2025-01-03T00:00:00.000Z", "2025-01-04T00:00:00.000Z"],
      ["2025-01-04T00:00:00.000Z", "2025-01-04T10:00:00.000Z"],
    ]);
    expect(backfill).toEqual([
      expect.objectContaining({ status: "ok", zones: ["GB"], loads: 4, rowsWritten: 82 }),
    ]);
    const gaps = source.calls.slice(1).map((c, i) => c.atMs - source.calls[i]!.atMs);
    expect(gaps.every((gap) => gap >= 1_000)).toBe(true);
    expect(await storedHours("neso-carbon-intensity", "GB")).toMatchObject({ n: 82 });
    // The loads restate the GB usage they cover (both GB organizations' January windows).
    const restated = enqueued.filter((job) => job.name === "estimate-window");
    const accounts = new Set(
      restated.map((job) => (job.payload as { cloudAccountId: string }).cloudAccountId),
    );
    expect(accounts).toEqual(new Set(gbAccounts));
    expect(
      new Set(restated.map((job) => (job.payload as { windowStart: string }).windowStart)),
    ).toEqual(new Set(["2025-01-01T00:00:00.000Z"]));

    // The refresh reloads the last 24 hours and everything after the stored range.
    source.calls.length = 0;
    const refresh = await syncGridIntensity(deps, {
      mode: "refresh",
      sources: configured(source),
      refreshHours: 24,
      clock,
    });
    expect(source.calls.map((c) => [c.from, c.to])).toEqual([
      ["2025-01-04T10:00:00.000Z", "2025-01-05T10:00:00.000Z"],
    ]);
    expect(refresh[0]).toMatchObject({ status: "ok", rowsWritten: 24, rowsRevised: 0 });
    const stored = await storedHours("neso-carbon-intensity", "GB");
    expect(stored.n).toBe(4 * 24 + 10);
    expect(stored.last.toISOString()).toBe("2025-01-05T09:00:00.000Z");

    // A second backfill has nothing left to load.
    source.calls.length = 0;
    await syncGridIntensity(deps, { mode: "backfill", sources: configured(source), clock });
    expect(source.calls).toEqual([]);
  });

  it("paces calls across zones to the source's interval", async () => {
    const clock = fakeClock("2025-01-05T00:00:00Z");
    const source = new FakeSource("entsoe-generation", ["DE", "GB"], clock);
    await syncGridIntensity(deps, {
      mode: "refresh",
      sources: configured(source, 150, 6),
      refreshHours: 24,
      clock,
    });
    // 24 h in 6 h windows for each of DE and GB: 8 calls, each at least 150 ms after the last.
    expect(source.calls.map((c) => c.zone)).toEqual([
      ...Array(4).fill("DE"),
      ...Array(4).fill("GB"),
    ]);
    const gaps = source.calls.slice(1).map((c, i) => c.atMs - source.calls[i]!.atMs);
    expect(gaps).toEqual(Array(7).fill(150));
  });

  it("an outage leaves what was loaded, records the failure and stops asking the source this run", async () => {
    const clock = fakeClock("2025-01-05T00:00:00Z");
    const source = new FakeSource("eia-930", ["DE", "GB"], clock);
    source.failure = new GridSourceError("503 Service Unavailable", "eia-930", true);
    source.failFromCall = 2;
    const [result] = await syncGridIntensity(deps, {
      mode: "backfill",
      sources: configured(source, 1_000, 12),
      refreshHours: 24,
      clock,
    });
    expect(result).toMatchObject({
      status: "unavailable",
      loads: 1,
      error: "503 Service Unavailable",
    });
    // DE's first 12 hours stored; the second call failed; GB was not asked.
    expect(source.calls.map((c) => c.zone)).toEqual(["DE", "DE"]);
    expect((await storedHours("eia-930", "DE")).n).toBe(12);
    expect(logs.join("\n")).toMatch(
      /eia-930 is unavailable .*annual factor stays in place for zone DE/,
    );
    const statuses = await gridSyncStatuses(database.app.pool, ["DE", "GB"]);
    expect(statuses).toEqual([
      expect.objectContaining({
        source: "eia-930",
        zone: "DE",
        failing: expect.objectContaining({ message: "503 Service Unavailable", retryable: true }),
      }),
    ]);

    // Back up: the refresh goes on after what was stored, and the failure is no longer current.
    source.failure = undefined;
    source.calls.length = 0;
    const [again] = await syncGridIntensity(deps, {
      mode: "refresh",
      sources: configured(source, 1_000, 48),
      refreshHours: 24,
      clock,
    });
    expect(again!.status).toBe("ok");
    expect(source.calls.map((c) => [c.zone, c.from, c.to])).toEqual([
      ["DE", "2025-01-03T12:00:00.000Z", "2025-01-05T00:00:00.000Z"],
      ["GB", "2025-01-04T00:00:00.000Z", "2025-01-05T00:00:00.000Z"],
    ]);
    const after = await gridSyncStatuses(database.app.pool, ["DE"]);
    expect(after[0]!.failing).toBeNull();
  });

  it("reports a refused key clearly and never throws", async () => {
    const clock = fakeClock("2025-01-05T00:00:00Z");
    const refused = new FakeSource("electricitymaps-api", ["GB", "DE"], clock);
    refused.failure = new GridSourceError("401: invalid auth-token", "electricitymaps-api", false);
    const working = new FakeSource("neso-carbon-intensity", ["GB"], clock);
    const results = await syncGridIntensity(deps, {
      mode: "refresh",
      sources: [...configured(refused), ...configured(working)],
      refreshHours: 24,
      clock,
    });
    expect(results.map((r) => [r.source, r.status])).toEqual([
      ["electricitymaps-api", "refused"],
      ["neso-carbon-intensity", "ok"],
    ]);
    expect(refused.calls).toHaveLength(1);
    expect(logs.join("\n")).toMatch(
      /electricitymaps-api refused the request \(401: invalid auth-token\); check its key/,
    );
    const [status] = await gridSyncStatuses(database.app.pool, ["DE"]);
    expect(status).toMatchObject({
      source: "electricitymaps-api",
      lastLoadedAt: null,
      failing: { retryable: false, message: "401: invalid auth-token" },
    });
    expect((await storedHours("neso-carbon-intensity", "GB")).n).toBe(24);
  });

  it("a batch the store refuses fails that zone only", async () => {
    const clock = fakeClock("2025-01-05T00:00:00Z");
    const source = new FakeSource("eia-930", ["DE", "GB"], clock);
    const fetchHours = source.fetchHours.bind(source);
    source.fetchHours = async (zone, from, to) => {
      const fetched = await fetchHours(zone, from, to);
      if (zone === "DE") fetched.points[0]!.gCo2ePerKwh = 2_400;
      return fetched;
    };
    const [result] = await syncGridIntensity(deps, {
      mode: "refresh",
      sources: configured(source),
      refreshHours: 24,
      clock,
    });
    expect(result).toMatchObject({ status: "failed", error: expect.stringMatching(/2400/) });
    expect((await storedHours("eia-930", "DE")).n).toBe(0);
    expect((await storedHours("eia-930", "GB")).n).toBe(24);
  });

  it("with the real NESO source against its fake server: loads GB's hours, then records its outage", async () => {
    const fake = await startFakeNeso();
    try {
      const clock = fakeClock("2025-01-03T00:00:00Z");
      const halves = [];
      for (let ms = at("2025-01-01T00:00:00Z"); ms < at("2025-01-03T00:00:00Z"); ms += 1_800_000)
        halves.push({
          from: new Date(ms).toISOString().slice(0, 16) + "Z",
          forecast: 150,
          actual: 100 + new Date(ms).getUTCHours(),
        });
      fake.setHalfHours(halves);
      // As the worker builds it (no key: NESO only), pointed at the fake.
      const sources = configuredGridSources({
        endpoints: { neso: fake.url },
        backoff: { retries: 1, sleep: async () => {} },
      });
      expect(sources.map((s) => s.source.name)).toEqual(["neso-carbon-intensity"]);
      const [loaded] = await syncGridIntensity(deps, {
        mode: "backfill",
        sources,
        refreshHours: 24,
        clock,
      });
      // GB from its first usage hour (1 Jan) up to the refresh window (24 h before 3 Jan): one day.
      expect(loaded).toMatchObject({
        source: "neso-carbon-intensity",
        status: "ok",
        rowsWritten: 24,
      });
      expect((await storedHours("neso-carbon-intensity", "GB")).n).toBe(24);
      // Every NESO request stays within its documented 14 days.
      expect(fake.requests.length).toBeGreaterThan(0);

      fake.failNext(503, 503);
      const [down] = await syncGridIntensity(deps, { mode: "refresh", sources, clock });
      expect(down).toMatchObject({ status: "unavailable" });
      const [status] = await gridSyncStatuses(database.app.pool, ["GB"]);
      expect(status!.failing).toMatchObject({ retryable: true });
      expect((await storedHours("neso-carbon-intensity", "GB")).n).toBe(24);
    } finally {
      await fake.close();
    }
  });

  it("loads WattTime's marginal rates apart from the inventory's intensities, region by region", async () => {
    // The plan includes UK (eu-west-2, uksouth) but not DE (eu-central-1): DE answers 403.
    const fake = await startFakeWattTime({ users: { canopy: "pw" }, regions: ["UK"] });
    try {
      fake.setValue((_region, ms) => 700 + new Date(ms).getUTCHours()); // lb/MWh
      const marginal = configuredMarginalSource({
        wattTime: { username: "canopy", password: "pw" },
        endpoints: { wattTime: fake.url },
        backoff: { retries: 1, sleep: async () => {} },
      });
      const clock = fakeClock("2025-02-01T00:00:00Z");
      const [result] = await syncGridIntensity(deps, {
        mode: "backfill",
        sources: [],
        marginal,
        clock,
      });
      expect(result).toMatchObject({ source: "watttime", zones: ["DE", "UK"], rowsWritten: 720 });
      expect(result!.error).toMatch(/403/);
      const { rows } = await database.app.pool.query<{ n: number; first: Date; g: number }>(
        `SELECT count(*)::int AS n, min(hour) AS first, max(g_co2_per_kwh) AS g
         FROM grid_marginal_hourly WHERE region = 'UK' AND signal = 'co2_moer'`,
      );
      // The last 30 days before the run's hour, hourly means in g/kWh (723 lb/MWh at 23:00).
      expect(rows[0]!.n).toBe(30 * 24);
      expect(rows[0]!.first).toEqual(new Date("2025-01-02T00:00:00Z"));
      expect(rows[0]!.g).toBeCloseTo(723 * 0.45359237, 6);
      // Nothing reaches the inventory: no average intensity stored, no restatement queued.
      expect((await storedHours("watttime", "GB")).n).toBe(0);
      expect(enqueued).toEqual([]);
      // The refresh (hourly) does not ask WattTime: it is reloaded once a day, with the backfill.
      const before = fake.requests.length;
      await syncGridIntensity(deps, { mode: "refresh", sources: [], marginal, clock });
      expect(fake.requests.length).toBe(before);
    } finally {
      await fake.close();
    }
  });

  it("runs nothing without configured sources", async () => {
    expect(await syncGridIntensity(deps, { mode: "backfill", sources: [] })).toEqual([]);
    expect(parsePayload("sync-grid-intensity", { mode: "refresh" })).toEqual({ mode: "refresh" });
    expect(() => parsePayload("sync-grid-intensity", { mode: "now" })).toThrow(/mode/);
  });
});

describe("windows and pacing", () => {
  const now = at("2025-03-01T12:00:00Z");
  it("backfills up to what is stored and refreshes from the stored end or the recent window", () => {
    const earliest = at("2025-01-01T00:30:00Z");
    expect(windowToLoad("backfill", earliest, null, now, 48)).toEqual({
      from: at("2025-01-01T00:00:00Z"),
      to: now - 48 * hourMs,
    });
    const stored = { first: at("2025-02-01T00:00:00Z"), last: at("2025-02-20T00:00:00Z") };
    expect(windowToLoad("backfill", earliest, stored, now, 48)).toEqual({
      from: at("2025-01-01T00:00:00Z"),
      to: stored.first,
    });
    // Stored up to 20 Feb: the refresh catches up from there, not only the last 48 hours.
    expect(windowToLoad("refresh", earliest, stored, now, 48)).toEqual({
      from: stored.last + hourMs,
      to: now,
    });
    const recent = { first: stored.first, last: now - hourMs };
    expect(windowToLoad("refresh", earliest, recent, now, 48)).toEqual({
      from: now - 48 * hourMs,
      to: now,
    });
    expect(windowToLoad("backfill", stored.first, stored, now, 48)).toBeNull();
  });

  it("waits only the rest of the interval", async () => {
    const clock = fakeClock("2025-01-01T00:00:00Z");
    const pace = createPacer(1_000, clock);
    await pace();
    await clock.sleep(300);
    await pace();
    await pace();
    expect(clock.slept).toEqual([300, 700, 1_000]);
  });
});
