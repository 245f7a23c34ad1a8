import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  recordGridSyncFailure,
  withTenantClient,
  writeGridIntensity,
  writeGridMarginal,
} from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import { regionFactors } from "@canopy/methodology";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as profileRoute from "@/app/api/v1/regions/[provider]/[region]/intensity-profile/route";
import { listUsedRegions } from "@/lib/server/regions";

/**
 * The carbon-aware view: a region's zone profile (hour of day × month) from stored hourly values,
 * counted by source precedence as estimation reads them, and the best N-hour window per month.
 * seedEmissions puts AWS usage in us-east-1 (zone US-MIDA-PJM) and Azure usage in westeurope (NL).
 */

const hourMs = 3_600_000;
const zone = "US-MIDA-PJM";
const start = Date.parse("2025-01-01T00:00:00Z");
const end = Date.parse("2025-03-01T00:00:00Z");
/** EIA-930's value of an hour (a daily shape plus a weekday swing), and Electricity Maps' for 1–3 Jan. */
const eiaValue = (ms: number) =>
  300 +
  40 * Math.cos(((new Date(ms).getUTCHours() - 14) * Math.PI) / 12) +
  (new Date(ms).getUTCDay() % 3) * 7;
const emValue = (ms: number) => eiaValue(ms) - 60;
const emUntil = Date.parse("2025-01-04T00:00:00Z");

let db: TestDatabase;
let owner: TestUser;
let tenantId: string;

type Profile = {
  gridZone: string | null;
  boundary: string | null;
  cells: { month: string; hourOfDay: number; meanGPerKwh: number; hours: number }[];
  bestWindows: { month: string; startHour: number; meanGPerKwh: number; hours: number }[];
  sources: { source: string; hours: number; attribution: string | null; licence: string | null }[];
  annual: { gCo2ePerKwh: number };
  failingSources: { source: string; message: string; retryable: boolean }[];
  marginal: {
    region: string;
    source: string;
    modelVersion: string;
    attribution: string | null;
    bestWindows: { month: string; startHour: number; meanGPerKwh: number; hours: number }[];
  } | null;
};

const get = async (provider: string, region: string, query = "") =>
  call(profileRoute.GET, {
    path: `/api/v1/regions/${provider}/${region}/intensity-profile${query}`,
    credential: owner,
    params: { provider, region },
  });

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@regions.test");
  tenantId = await createOrganization(owner, "Regions");
  await seedEmissions(db.owner.pool, {
    tenantId,
    accounts: 2,
    services: 1,
    combos: 4,
    start: new Date(start),
    hours: 24 * 31,
  });
  const points = (value: (ms: number) => number, from: number, to: number) => {
    const out = [];
    for (let ms = from; ms < to; ms += hourMs)
      out.push({
        zone,
        hour: new Date(ms),
        boundary: "lifecycle" as const,
        gCo2ePerKwh: value(ms),
        estimated: false,
      });
    return out;
  };
  await writeGridIntensity(db.owner, {
    source: "eia-930",
    sourceVersion: "test",
    label: "test",
    points: points(eiaValue, start, end),
  });
  await writeGridIntensity(db.owner, {
    source: "electricitymaps-api",
    sourceVersion: "v3",
    label: "test",
    points: points(emValue, start, emUntil),
  });
  // NL (Azure westeurope) has no hourly data; its source's last sync failed.
  await recordGridSyncFailure(db.owner, {
    source: "entsoe-generation",
    zone: "NL",
    from: new Date(start),
    to: new Date(end),
    message: "503 Service Unavailable",
    retryable: true,
  });
}, 120_000);

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

describe("GET /api/v1/regions/{provider}/{region}/intensity-profile", () => {
  it("averages the counted value per month and UTC hour, Electricity Maps before EIA-930", async () => {
    const response = await get("aws", "us-east-1");
    expect(response.status).toBe(200);
    const profile = response.body as unknown as Profile;
    expect(profile).toMatchObject({ gridZone: zone, boundary: "lifecycle" });
    // The expected means, from the two sources' values and their precedence.
    const sums = new Map<string, { sum: number; n: number }>();
    for (let ms = start; ms < end; ms += hourMs) {
      const key = `${new Date(ms).toISOString().slice(0, 7)}|${new Date(ms).getUTCHours()}`;
      const entry = sums.get(key) ?? { sum: 0, n: 0 };
      entry.sum += ms < emUntil ? emValue(ms) : eiaValue(ms);
      entry.n += 1;
      sums.set(key, entry);
    }
    expect(profile.cells).toHaveLength(48);
    for (const cell of profile.cells) {
      const expected = sums.get(`${cell.month}|${cell.hourOfDay}`)!;
      expect(cell.meanGPerKwh).toBeCloseTo(expected.sum / expected.n, 9);
      expect(cell.hours).toBe(expected.n);
    }
    expect(profile.sources).toEqual([
      expect.objectContaining({ source: "eia-930", hours: 59 * 24 - 3 * 24 }),
      expect.objectContaining({ source: "electricitymaps-api", hours: 3 * 24 }),
    ]);
    expect(profile.sources.every((s) => s.attribution && s.licence)).toBe(true);

    // The best 4-hour window of each month, by brute force over the expected means.
    for (const month of ["2025-01", "2025-02"]) {
      const means = Array.from({ length: 24 }, (_, h) => {
        const e = sums.get(`${month}|${h}`)!;
        return e.sum / e.n;
      });
      const windows = means.map(
        (_, s) =>
          (means[s]! + means[(s + 1) % 24]! + means[(s + 2) % 24]! + means[(s + 3) % 24]!) / 4,
      );
      const best = profile.bestWindows.find((w) => w.month === month)!;
      expect(best.hours).toBe(4);
      expect(best.meanGPerKwh).toBeCloseTo(Math.min(...windows), 9);
      expect(best.startHour).toBe(windows.indexOf(Math.min(...windows)));
    }
  });

  it("adds the best window by WattTime's marginal rate apart, without touching the average profile", async () => {
    const before = (await get("aws", "us-east-1")).body as unknown as Profile;
    expect(before.marginal).toBeNull();
    // Marginal rates for PJM_DC (us-east-1) in January: lowest at 09:00–12:00 UTC, unlike the average.
    const marginalValue = (ms: number) => 500 + 10 * ((new Date(ms).getUTCHours() + 15) % 24);
    const points = [];
    for (let ms = start; ms < Date.parse("2025-02-01T00:00:00Z"); ms += hourMs)
      points.push({
        region: "PJM_DC",
        hour: new Date(ms),
        gCo2PerKwh: marginalValue(ms),
        samples: 12,
      });
    await writeGridMarginal(db.owner, {
      source: "watttime",
      signal: "co2_moer",
      modelVersion: "2026-03-01",
      points,
    });
    const after = (await get("aws", "us-east-1")).body as unknown as Profile;
    expect(after.cells).toEqual(before.cells);
    expect(after.bestWindows).toEqual(before.bestWindows);
    expect(after.marginal).toMatchObject({
      region: "PJM_DC",
      source: "watttime",
      modelVersion: "2026-03-01",
    });
    expect(after.marginal!.attribution).toMatch(/WattTime/);
    // Hours 9, 10, 11, 12 have (h + 15) % 24 = 0, 1, 2, 3: the 4-hour window starts at 09:00.
    expect(after.marginal!.bestWindows).toEqual([
      expect.objectContaining({ month: "2025-01", startHour: 9, hours: 4, meanGPerKwh: 515 }),
    ]);
  });

  it("takes the window length from the query and refuses one out of range", async () => {
    const six = (await get("aws", "us-east-1", "?hours=6")).body as unknown as Profile;
    expect(six.bestWindows.every((w) => w.hours === 6)).toBe(true);
    const bad = await get("aws", "us-east-1", "?hours=0");
    expect(bad.status).toBe(400);
    expect(bad.body.error?.fields?.hours).toBeDefined();
  });

  it("without hourly data gives the annual factor and the failing source, and no profile", async () => {
    const response = await get("azure", "westeurope");
    expect(response.status).toBe(200);
    const profile = response.body as unknown as Profile;
    expect(profile.gridZone).toBe("NL");
    expect(profile.cells).toEqual([]);
    expect(profile.bestWindows).toEqual([]);
    expect(profile.annual.gCo2ePerKwh).toBe(
      regionFactors("azure", "westeurope").gridIntensityGPerKwh,
    );
    expect(profile.failingSources).toEqual([
      expect.objectContaining({
        source: "entsoe-generation",
        message: "503 Service Unavailable",
        retryable: true,
      }),
    ]);
  });

  it("answers 404 for a region the organization does not use", async () => {
    const response = await get("aws", "eu-west-2");
    expect(response.status).toBe(404);
    expect(response.body.error?.code).toBe("not_found");
  });

  it("lists the organization's regions with their zones", async () => {
    const regions = await withTenantClient(db.app, tenantId, (client) => listUsedRegions(client));
    expect(regions.map((r) => [r.provider, r.region, r.gridZone]).sort()).toEqual(
      [
        ["aws", "ap-southeast-1", regionFactors("aws", "ap-southeast-1").gridZone],
        ["aws", "us-east-1", zone],
        ["azure", "northeurope", regionFactors("azure", "northeurope").gridZone],
        ["azure", "westeurope", "NL"],
      ].sort(),
    );
  });
});
