import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing";
import {
  GridIntensityError,
  readHourlyIntensities,
  writeGridIntensity,
  type GridIntensityPoint,
} from "./grid-intensity";

const hour = (iso: string) => new Date(iso);
const point = (zone: string, iso: string, g: number): GridIntensityPoint => ({
  zone,
  hour: hour(iso),
  boundary: "lifecycle",
  gCo2ePerKwh: g,
  estimated: false,
});

describe("grid intensity store", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  const count = async (table: string) =>
    (await database.owner.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))
      .rows[0]!.n;

  it("refuses a bad batch naming the point, and stores nothing of it", async () => {
    const bad = [
      point("DE", "2025-01-01T00:00:00Z", 380),
      point("DE", "2025-01-01T01:00:00Z", 2400),
    ];
    await expect(
      writeGridIntensity(database.owner, {
        source: "test",
        sourceVersion: "1",
        label: "x",
        points: bad,
      }),
    ).rejects.toThrow(/point 2 \(zone DE, 2025-01-01T01:00:00.000Z\): intensity 2400/);
    for (const [points, message] of [
      [[point("DE", "2025-01-01T00:30:00Z", 1)], /start of a UTC hour/],
      [
        [point("DE", "2025-01-01T00:00:00Z", 1), point("DE", "2025-01-01T00:00:00Z", 2)],
        /appears twice/,
      ],
      [[point("not a zone", "2025-01-01T00:00:00Z", 1)], /not a grid zone key/],
      [[point("DE", "2025-01-01T00:00:00Z", Number.NaN)], /outside 0–2000/],
    ] as const) {
      await expect(
        writeGridIntensity(database.owner, {
          source: "test",
          sourceVersion: "1",
          label: "x",
          points,
        }),
      ).rejects.toBeInstanceOf(GridIntensityError);
      await expect(
        writeGridIntensity(database.owner, {
          source: "test",
          sourceVersion: "1",
          label: "x",
          points,
        }),
      ).rejects.toThrow(message);
    }
    expect(await count("grid_intensity_hourly")).toBe(0);
    expect(await count("grid_intensity_loads")).toBe(0);
  });

  it("keeps the previous value of a revised hour and counts only real revisions", async () => {
    const first = await writeGridIntensity(database.owner, {
      source: "electricitymaps-dataset",
      sourceVersion: "DE_2025_hourly.csv",
      label: "DE_2025_hourly.csv",
      points: [point("DE", "2025-01-01T00:00:00Z", 380), point("DE", "2025-01-01T01:00:00Z", 360)],
    });
    expect(first).toMatchObject({ rowsWritten: 2, rowsRevised: 0, zones: ["DE"] });
    const second = await writeGridIntensity(database.owner, {
      source: "electricitymaps-dataset",
      sourceVersion: "DE_2025_hourly.csv",
      label: "DE_2025_hourly.csv (revised)",
      points: [point("DE", "2025-01-01T00:00:00Z", 380), point("DE", "2025-01-01T01:00:00Z", 350)],
    });
    expect(second).toMatchObject({ rowsWritten: 1, rowsRevised: 1 });
    const { rows } = await database.owner.pool.query(
      "SELECT g_co2e_per_kwh AS g, load_id, superseded_by_load_id FROM grid_intensity_superseded",
    );
    expect(rows).toEqual([{ g: 360, load_id: first.loadId, superseded_by_load_id: second.loadId }]);
  });

  it("reads the highest-precedence source per zone-hour, through the app role", async () => {
    await writeGridIntensity(database.owner, {
      source: "entsoe-generation",
      sourceVersion: "A75",
      label: "DE January",
      points: [point("DE", "2025-01-01T01:00:00Z", 999), point("DE", "2025-01-01T02:00:00Z", 300)],
    });
    const read = await readHourlyIntensities(
      database.app.pool,
      ["DE", "FR"],
      hour("2025-01-01T00:00:00Z"),
      hour("2025-01-01T03:00:00Z"),
      "lifecycle",
    );
    expect([...(read.get("DE") ?? new Map()).entries()]).toEqual([
      [Date.parse("2025-01-01T00:00:00Z"), 380],
      [Date.parse("2025-01-01T01:00:00Z"), 350],
      [Date.parse("2025-01-01T02:00:00Z"), 300],
    ]);
    expect(read.has("FR")).toBe(false);
  });
});
