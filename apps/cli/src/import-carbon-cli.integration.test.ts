import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inheritedEnvironment } from "@canopy/config";
import { SCRATCH_PASSWORD } from "@canopy/db/scratch";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";

const cliDir = path.resolve(__dirname, "..");
// The documented CARBON_EMISSIONS columns (billing-formats.md §4.6) with the documented example values;
// no real carbon export sample exists (samples/README.md).
const header =
  "usage_period_start,usage_period_end,payer_account_id,usage_account_id,region_code,location,product_code,total_lbm_emissions_value,total_lbm_emissions_unit,total_mbm_emissions_value,total_mbm_emissions_unit,model_version";
const row = (tonnes: string) =>
  `2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,999999999999,111111111111,eu-central-1,Europe (Frankfurt),AmazonEC2,${tonnes},MTCO2e,0.0069,MTCO2e,v3.0.0`;

describe("canopy import-carbon", () => {
  let database: TestDatabase;
  const home = mkdtempSync(path.join(os.tmpdir(), "canopy-cli-carbon-"));
  beforeAll(async () => {
    database = await createTestDatabase();
    await database.owner.pool.query("INSERT INTO tenants (name, slug) VALUES ('CLI', 'cli')");
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  function canopy(
    ...args: string[]
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
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
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
  }
  const file = (name: string, text: string) => {
    const at = path.join(home, name);
    writeFileSync(at, text);
    return at;
  };
  const stored = async () =>
    (
      await database.owner.pool.query<{ scope: string; kg: number; n: number }>(
        "SELECT scope, sum(co2e_kg)::float8 AS kg, count(*)::int AS n FROM provider_reported_emissions GROUP BY 1 ORDER BY 1",
      )
    ).rows;

  it("imports, re-imports without double counting (printing what it replaced), and refuses a malformed row", async () => {
    const path1 = file("carbon.csv", `${header}\n${row("0.0421")}\n`);
    const first = await canopy("import-carbon", path1, "--org", "cli", "--provider", "aws");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      "AWS carbon export: 1 row(s) read, 2 figure(s) stored for 2026-04.",
    );
    expect(first.stdout).toContain("Replaced: nothing");
    const again = await canopy(
      "import-carbon",
      file("carbon-fixed.csv", `${header}\n${row("0.05")}\n`),
      "--org",
      "cli",
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("111111111111 2026-04 total (model v3.0.0): 42.1 kg → 50.0 kg");
    const figures = await stored();
    expect(figures.map((f) => [f.scope, f.n])).toEqual([
      ["total", 1],
      ["total-market", 1],
    ]);
    expect(figures[0]!.kg).toBeCloseTo(50, 9);

    const bad = await canopy(
      "import-carbon",
      file("bad.csv", `${header}\n${row("0.05")}\n${row("lots")}\n`),
      "--org",
      "cli",
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'line 3: total_lbm_emissions_value is not a non-negative number: "lots"',
    );
    expect((await stored())[0]!.kg).toBeCloseTo(50, 9);

    const wrong = await canopy("import-carbon", path1, "--org", "cli", "--provider", "gcp");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      "--provider gcp was given, but the file is a AWS CARBON_EMISSIONS export",
    );
    expect((await canopy("import-carbon", path1, "--org", "cli", "--provider", "oci")).code).toBe(
      2,
    );
  }, 120_000);
});
