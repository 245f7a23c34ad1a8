import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inheritedEnvironment } from "@canopy/config";
import { SCRATCH_PASSWORD } from "@canopy/db/scratch";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";

const cliDir = path.resolve(__dirname, "..");
const header =
  "Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method";
const hourMs = 3_600_000;

/** `hours` rows of a zone from 2025-01-01, shaped like the data portal's files; `direct(i)` per hour. */
function datasetFile(
  zone: string,
  country: string,
  hours: number,
  direct: (i: number) => number,
): string {
  const rows = Array.from({ length: hours }, (_, i) => {
    const stamp = new Date(Date.UTC(2025, 0, 1) + i * hourMs)
      .toISOString()
      .slice(0, 19)
      .replace("T", " ");
    const d = direct(i);
    return `${stamp},${country},${country},${zone},${d},${(d * 1.2 + 20).toFixed(2)},50,40,entsoe.eu,false,`;
  });
  return [header, ...rows].join("\n") + "\n";
}

describe("canopy grid import", () => {
  let database: TestDatabase;
  const home = mkdtempSync(path.join(os.tmpdir(), "canopy-cli-grid-"));
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  function canopy(...args: string[]) {
    const {
      DATABASE_URL: _d,
      REDIS_URL: _r,
      DATABASE_APP_URL: _a,
      DATABASE_AUTH_URL: _u,
      ...inherited
    } = inheritedEnvironment();
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
      cwd: cliDir,
      env: {
        ...inherited,
        NODE_ENV: "development",
        CANOPY_HOME: home,
        DATABASE_URL: database.urls.owner,
        CANOPY_DB_ROLE_PREFIX: database.rolePrefix,
        CANOPY_DB_APP_PASSWORD: SCRATCH_PASSWORD,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on("exit", (code) => resolve({ code, stdout, stderr })),
    );
  }
  const file = (name: string, text: string) => {
    const at = path.join(home, name);
    writeFileSync(at, text);
    return at;
  };
  const stored = async () =>
    (
      await database.owner.pool.query<{ zone: string; boundary: string; n: number }>(
        `SELECT zone, boundary, count(*)::int AS n FROM grid_intensity_hourly
         WHERE source = 'electricitymaps-dataset' GROUP BY zone, boundary ORDER BY zone, boundary`,
      )
    ).rows;

  it("loads good files, refuses a bad one with its line and stores nothing of it; exit 1", async () => {
    const se = file(
      "SE_2025_hourly.csv",
      datasetFile("SE", "Sweden", 48, (i) => 2.5 + i / 100),
    );
    const de = file(
      "DE_2025_hourly.csv",
      datasetFile("DE", "Germany", 24, (i) => 300 + i),
    );
    const withGap = datasetFile("FR", "France", 10, (i) => 20 + i)
      .split("\n")
      .filter((_, line) => line !== 5)
      .join("\n");
    const fr = file("FR_2025_hourly.csv", withGap);

    const result = await canopy("grid", "import", se, de, fr);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("[1/3] SE_2025_hourly.csv");
    expect(result.stdout).toMatch(/SE: 48 hours, 96 rows written, 0 revised/);
    expect(result.stdout).toMatch(/DE: 24 hours, 48 rows written, 0 revised/);
    expect(result.stdout).toMatch(
      /Loaded 2 of 3 file\(s\): zones DE, SE; 72 hours, 144 rows written, 0 revised/,
    );
    expect(result.stdout).toContain("Electricity Maps, ODbL");
    expect(result.stdout).toContain("nothing to re-estimate");
    const restated = await database.owner.pool.query<{ status: string }>(
      "SELECT details->'restatement'->>'status' AS status FROM grid_intensity_loads",
    );
    expect(restated.rows.map((r) => r.status)).toEqual([
      "nothing to restate",
      "nothing to restate",
    ]);
    // Line 6 (the 04:00 row) was dropped, so line 6 of the file is now 05:00, the first row after the gap.
    expect(result.stderr).toMatch(
      /FR_2025_hourly.csv, line 6: hour 2025-01-01T04:00:00.000Z is missing \(a gap\) \(nothing stored from this file\)/,
    );
    expect(await stored()).toEqual([
      { zone: "DE", boundary: "direct", n: 24 },
      { zone: "DE", boundary: "lifecycle", n: 24 },
      { zone: "SE", boundary: "direct", n: 48 },
      { zone: "SE", boundary: "lifecycle", n: 48 },
    ]);
    const loads = await database.owner.pool.query<{ label: string; rows_written: number }>(
      "SELECT label, rows_written FROM grid_intensity_loads ORDER BY label",
    );
    expect(loads.rows).toEqual([
      { label: "DE_2025_hourly.csv", rows_written: 48 },
      { label: "SE_2025_hourly.csv", rows_written: 96 },
    ]);
  }, 120_000);

  it("a re-released file counts only the changed hours as revised and keeps the old values", async () => {
    const revised = file(
      "DE_2025_hourly.csv",
      datasetFile("DE", "Germany", 24, (i) => (i === 7 ? 350 : 300 + i)),
    );
    const result = await canopy("grid", "import", revised);
    expect(result.code).toBe(0);
    // Hour 7: direct 307 → 350 and lifecycle (derived from direct) both change.
    expect(result.stdout).toMatch(/DE: 24 hours, 2 rows written, 2 revised/);
    const superseded = await database.owner.pool.query<{ boundary: string; g: number }>(
      `SELECT boundary, g_co2e_per_kwh AS g FROM grid_intensity_superseded
       WHERE zone = 'DE' ORDER BY boundary`,
    );
    expect(superseded.rows).toEqual([
      { boundary: "direct", g: 307 },
      { boundary: "lifecycle", g: Number((307 * 1.2 + 20).toFixed(2)) },
    ]);
  }, 120_000);

  it("a load re-estimates the organizations with usage in its zone and hours (restatement done)", async () => {
    await database.owner.pool.query("INSERT INTO tenants (name, slug) VALUES ('Grid', 'grid')");
    const curHeader =
      "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode,product/region,pricing/unit";
    const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");
    const curLines = [curHeader];
    for (let h = 0; h < 48; h++) {
      const start = Date.UTC(2026, 2, 1) + h * hourMs;
      curLines.push(
        `Usage,${iso(start)},${iso(start + hourMs)},111122223333,AmazonEC2,USE1-BoxUsage:m5.large,1,0.096,USD,us-east-1,Hrs`,
      );
    }
    const cur = file("cur.csv", curLines.join("\n") + "\n");
    expect((await canopy("import", cur, "--org", "grid")).code).toBe(0);
    const totals = async () =>
      (
        await database.owner.pool.query<{ kwh: number; hourly: number; co2e: number }>(
          `SELECT sum(kwh_facility)::float8 AS kwh, sum(kwh_hourly_grid)::float8 AS hourly,
                  sum(co2e_location_kg)::float8 AS co2e FROM emissions_monthly`,
        )
      ).rows[0]!;
    const before = await totals();
    expect(before.hourly).toBe(0);

    // us-east-1 is zone US-MIDA-PJM in the data pack; the file covers the 48 hours of usage.
    const lifecycleG = 500;
    const rows = Array.from({ length: 31 * 24 }, (_, i) => {
      const stamp = new Date(Date.UTC(2026, 2, 1) + i * hourMs)
        .toISOString()
        .slice(0, 19)
        .replace("T", " ");
      return `${stamp},United States,PJM,US-MIDA-PJM,400,${lifecycleG},40,10,eia.gov,false,`;
    });
    const pjm = file("US-MIDA-PJM_2026_hourly.csv", [header, ...rows].join("\n") + "\n");
    const result = await canopy("grid", "import", pjm);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Re-estimating 1 organization window\(s\)/);
    const after = await totals();
    expect(after.kwh).toBeCloseTo(before.kwh, 9);
    expect(after.hourly).toBeCloseTo(after.kwh, 9);
    // Location-based = kWh (facility) × the hour's lifecycle intensity ÷ 1000.
    expect(after.co2e).toBeCloseTo((after.kwh * lifecycleG) / 1000, 9);
    const restatement = await database.owner.pool.query<{ status: string; windows: number }>(
      `SELECT details->'restatement'->>'status' AS status, (details->'restatement'->>'windows')::int AS windows
       FROM grid_intensity_loads WHERE label = 'US-MIDA-PJM_2026_hourly.csv'`,
    );
    expect(restatement.rows).toEqual([{ status: "done", windows: 1 }]);
  }, 180_000);

  it("wrong usage exits 2", async () => {
    expect((await canopy("grid")).code).toBe(2);
    expect((await canopy("grid", "import")).code).toBe(2);
  }, 60_000);
});
