import { describe, expect, it } from "vitest";
import {
  datasetNameParts,
  GridDatasetError,
  parseElectricityMapsDataset,
} from "./electricitymaps-dataset";

/** The data portal's current header (files from 2024 on), as downloaded. */
const header =
  "Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method";
/** The older header (Zone Id, LCA, Low Carbon / Renewable Percentage, Data Estimated). */
const olderHeader =
  "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage,Data Source,Data Estimated,Data Estimation Method";

const hourMs = 3_600_000;
const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");
const stamp2024 = (i: number) => stamp(Date.UTC(2024, 0, 1) + i * hourMs);

/** `hours` rows of Sweden from 2025-01-01 00:00 UTC, shaped like the portal's SE file. */
function swedenRows(hours: number): string[] {
  return Array.from({ length: hours }, (_, i) => {
    const direct = (2.54 + (i % 24) * 0.03).toFixed(2);
    const lifecycle = (30.02 + (i % 24) * 0.05).toFixed(2);
    const estimated = i % 5 === 0;
    return `${stamp(Date.UTC(2025, 0, 1) + i * hourMs)},Sweden,Sweden,SE,${direct},${lifecycle},99.42,60.13,svk.se,${estimated},${estimated ? "ESTIMATED_FORECASTS_HIERARCHY" : ""}`;
  });
}

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const parse = (name: string, text: string, chunk = 7) =>
  parseElectricityMapsDataset(name, chunked(text, chunk));

async function errorOf(name: string, text: string): Promise<GridDatasetError> {
  const error = await parse(name, text).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GridDatasetError);
  return error as GridDatasetError;
}

describe("Electricity Maps hourly dataset files", () => {
  it("reads three days of SE (7-byte chunks cut the ₂ and lines) into direct and lifecycle points", async () => {
    const rows = swedenRows(72);
    const file = `\uFEFF${header}\r\n${rows.join("\r\n")}\r\n`;
    const dataset = await parse("SE_2025_hourly.csv", file);
    expect(dataset.zone).toBe("SE");
    expect(dataset.rows).toBe(72);
    expect(dataset.points).toHaveLength(144);
    expect(dataset.firstHour.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    expect(dataset.lastHour.toISOString()).toBe("2025-01-03T23:00:00.000Z");
    expect(dataset.sourceVersion).toBe("hourly-2025");
    const hour1 = dataset.points.filter((p) => p.hour.getTime() === Date.UTC(2025, 0, 1, 1));
    expect(hour1.map((p) => [p.boundary, p.gCo2ePerKwh, p.estimated])).toEqual([
      ["direct", Number(rows[1]!.split(",")[4]), false],
      ["lifecycle", Number(rows[1]!.split(",")[5]), false],
    ]);
    // Rows 0, 5, …, 70 are marked estimated: 15 hours × 2 boundaries.
    expect(dataset.points.filter((p) => p.estimated)).toHaveLength(15 * 2);
  });

  it("reads a whole leap year (8,784 hours) in 64 KiB chunks, Jan 1 00:00 to Dec 31 23:00", async () => {
    const hours = 366 * 24;
    const rows = Array.from({ length: hours }, (_, i) => {
      return `${stamp2024(i)},Germany,Germany,DE,${300 + (i % 97)},${350 + (i % 89)},50,40,entsoe.eu,false,`;
    });
    const dataset = await parse("DE_2024_hourly.csv", [header, ...rows].join("\n") + "\n", 65_536);
    expect(dataset.rows).toBe(8784);
    expect(dataset.points).toHaveLength(8784 * 2);
    expect(dataset.firstHour.toISOString()).toBe("2024-01-01T00:00:00.000Z");
    expect(dataset.lastHour.toISOString()).toBe("2024-12-31T23:00:00.000Z");
    const feb29noon = dataset.points.find(
      (p) => p.boundary === "lifecycle" && p.hour.getTime() === Date.UTC(2024, 1, 29, 12),
    )!;
    const i = (Date.UTC(2024, 1, 29, 12) - Date.UTC(2024, 0, 1)) / hourMs;
    expect(feb29noon.gCo2ePerKwh).toBe(350 + (i % 89));
  });

  it("reads the older header (Zone Id, LCA, Data Estimated = False)", async () => {
    const rows = swedenRows(3).map((row) =>
      row.replace(",true,", ",True,").replace(",false,", ",False,"),
    );
    const dataset = await parse("SE_2025_hourly.csv", [olderHeader, ...rows].join("\n"));
    expect(dataset.points.map((p) => p.estimated)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it("a quoted Data source with a comma in it does not shift the columns", async () => {
    const rows = swedenRows(2).map((row) => row.replace(",svk.se,", ',"svk.se, entsoe.eu",'));
    const dataset = await parse("SE_2025_hourly.csv", [header, ...rows].join("\n"));
    expect(dataset.points.map((p) => p.estimated)).toEqual([true, true, false, false]);
  });

  it("a file whose name does not follow <zone>_<year>_hourly.csv takes the zone of its rows", async () => {
    const dataset = await parse("sweden.csv", [header, ...swedenRows(2)].join("\n"));
    expect(dataset.zone).toBe("SE");
    expect(datasetNameParts("US-NY-NYIS_2024_hourly.csv")).toEqual({
      zone: "US-NY-NYIS",
      year: 2024,
    });
  });

  it("wrong columns: names the header line and the missing columns", async () => {
    const error = await errorOf(
      "SE_2025_hourly.csv",
      ["datetime,zone,carbon_intensity", "2025-01-01 00:00:00,SE,30"].join("\n"),
    );
    expect(error.line).toBe(1);
    expect(error.message).toMatch(
      /line 1: not an Electricity Maps hourly file: missing column\(s\) "datetime \(utc\)", "zone id"/,
    );
  });

  it("another zone than the file name says", async () => {
    const rows = swedenRows(3);
    rows[2] = rows[2]!.replace(",SE,", ",NO-NO1,");
    const error = await errorOf("SE_2025_hourly.csv", [header, ...rows].join("\n"));
    expect(error.line).toBe(4);
    expect(error.message).toBe(
      'SE_2025_hourly.csv, line 4: zone "NO-NO1" but the file name says SE',
    );
    const named = await errorOf("DE_2025_hourly.csv", [header, ...swedenRows(1)].join("\n"));
    expect(named.line).toBe(2);
  });

  it("a gap names the first row after it and the missing hours", async () => {
    const rows = swedenRows(10);
    rows.splice(4, 2);
    const error = await errorOf("SE_2025_hourly.csv", [header, ...rows].join("\n"));
    expect(error.line).toBe(6);
    expect(error.message).toMatch(
      /hours 2025-01-01T04:00:00.000Z to 2025-01-01T05:00:00.000Z are missing/,
    );
  });

  it("a duplicate hour", async () => {
    const rows = swedenRows(4);
    rows.splice(3, 0, rows[2]!);
    const error = await errorOf("SE_2025_hourly.csv", [header, ...rows].join("\n"));
    expect(error.line).toBe(5);
    expect(error.message).toMatch(/2025-01-01T02:00:00.000Z appears twice/);
  });

  it.each([
    ["2000.5", "direct", /direct carbon intensity 2000.5 gCO2eq\/kWh is outside 0–2000/],
    ["-1", "direct", /outside 0–2000/],
    ["", "direct", /direct carbon intensity is missing/],
    ["n/a", "direct", /direct carbon intensity is "n\/a"/],
  ])("an intensity of %j is refused with its row", async (value, _boundary, message) => {
    const rows = swedenRows(5);
    const cells = rows[3]!.split(",");
    cells[4] = value;
    rows[3] = cells.join(",");
    const error = await errorOf("SE_2025_hourly.csv", [header, ...rows].join("\n"));
    expect(error.line).toBe(5);
    expect(error.message).toMatch(message);
  });

  it("accepts the bounds 0 and 2,000 themselves", async () => {
    const rows = swedenRows(2).map((row, i) => {
      const cells = row.split(",");
      cells[4] = i === 0 ? "0" : "2000";
      return cells.join(",");
    });
    const dataset = await parse("SE_2025_hourly.csv", [header, ...rows].join("\n"));
    expect(dataset.points.filter((p) => p.boundary === "direct").map((p) => p.gCo2ePerKwh)).toEqual(
      [0, 2000],
    );
  });

  it("an hour outside the file name's year, a time that is not a whole hour, a bad estimated flag", async () => {
    const early = swedenRows(1).map((r) => r.replace("2025-01-01 00:00:00", "2024-12-31 23:00:00"));
    expect((await errorOf("SE_2025_hourly.csv", [header, ...early].join("\n"))).message).toMatch(
      /line 2: 2024-12-31T23:00:00.000Z is outside 2025/,
    );
    const halfPast = swedenRows(1).map((r) => r.replace("00:00:00", "00:30:00"));
    expect((await errorOf("SE_2025_hourly.csv", [header, ...halfPast].join("\n"))).message).toMatch(
      /not the start of a UTC hour/,
    );
    const flag = swedenRows(1).map((r) => r.replace(",true,", ",yes,"));
    expect((await errorOf("SE_2025_hourly.csv", [header, ...flag].join("\n"))).message).toMatch(
      /Data estimated is "yes"/,
    );
  });

  it("a row with a missing cell, an empty file, a header without rows", async () => {
    const short = [header, swedenRows(1)[0]!.split(",").slice(0, 9).join(",")].join("\n");
    expect((await errorOf("SE_2025_hourly.csv", short)).message).toMatch(
      /line 2: 9 cells where the header has 11/,
    );
    expect((await errorOf("SE_2025_hourly.csv", "")).line).toBe(1);
    expect((await errorOf("SE_2025_hourly.csv", `${header}\n`)).message).toMatch(/no data rows/);
  });
});
