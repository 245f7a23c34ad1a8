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
  "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode,product/region,pricing/unit";

/** EC2 every hour and S3 once a day, for `days` days of March 2026, `scale` times the amounts. */
function cur(firstDay: number, days: number, options: { scale?: number; s3?: boolean } = {}) {
  const { scale = 1, s3 = true } = options;
  const lines = [header];
  for (let h = 0; h < days * 24; h++) {
    const start = Date.UTC(2026, 2, firstDay) + h * 3_600_000;
    const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");
    lines.push(
      `Usage,${iso(start)},${iso(start + 3_600_000)},111122223333,AmazonEC2,USE1-BoxUsage:m5.large,${scale},${0.096 * scale},USD,us-east-1,Hrs`,
    );
    if (s3 && h % 24 === 0)
      lines.push(
        `Usage,${iso(start)},${iso(start + 86_400_000)},111122223333,AmazonS3,USE1-TimedStorage-ByteHrs,${100 * scale},${2.3 * scale},USD,us-east-1,GB-Mo`,
      );
  }
  return lines.join("\n") + "\n";
}

describe("canopy import and canopy imports", () => {
  let database: TestDatabase;
  const home = mkdtempSync(path.join(os.tmpdir(), "canopy-cli-"));
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
  const counted = async () =>
    (
      await database.owner.pool.query<{ rows: number; kg: number }>(
        `SELECT (SELECT count(*)::int FROM usage_hourly) AS rows,
                (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_daily) AS kg`,
      )
    ).rows[0]!;

  it("refuses an unknown --format before storing anything, naming the formats", async () => {
    const before = await counted();
    const result = await canopy(
      "import",
      file("bogus.csv", cur(1, 1)),
      "--org",
      "cli",
      "--format",
      "bogus",
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--format must be one of cur, cur2, azure, gcp, focus, usage (got "bogus")',
    );
    expect(await counted()).toEqual(before);
  });

  it("exits 3 with the preview instead of replacing a week with a partial day; --replace and restore", async () => {
    const week = await canopy("import", file("week.csv", cur(1, 7)), "--org", "cli");
    expect(week.code, week.stderr).toBe(0);
    const before = await counted();
    expect(before.rows).toBe(7 * 25);
    // The inline driver has run the estimates: the import's emissions are printed, as stored.
    const printedKg = (text: string) =>
      Number(
        /Emissions for that span: ([\d.,]+) kg CO2e location-based/
          .exec(text)?.[1]
          ?.replace(/,/g, ""),
      );
    expect(before.kg).toBeGreaterThan(0);
    expect(Math.abs(printedKg(week.stdout) - before.kg) / before.kg).toBeLessThan(0.005);

    const partial = file("partial.csv", cur(3, 1, { scale: 0.0001, s3: false }));
    const asked = await canopy("import", partial, "--org", "cli");
    expect(asked.code).toBe(3);
    expect(asked.stdout).toMatch(
      /would replace stored usage it does not re-supply; nothing was changed/,
    );
    expect(asked.stdout).toMatch(/aws 111122223333, 2026-03-03:/);
    expect(asked.stdout).toMatch(
      /stored now: 25 rows, cost 4\.60.*from cur; services AmazonEC2, AmazonS3/,
    );
    expect(asked.stdout).toMatch(/- removes 1 service\(s\) it does not re-supply: AmazonS3/);
    expect(asked.stderr).toMatch(/run again with --replace/);
    expect(await counted()).toEqual(before);

    const replaced = await canopy("import", partial, "--org", "cli", "--replace");
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(
      /Replaced 25 rows \(cost 4\.60\) of aws 111122223333 over 2026-03-03; the previous version is kept/,
    );
    expect((await counted()).rows).toBe(6 * 25 + 24);

    const list = await canopy("imports", "list", "--org", "cli");
    const line = list.stdout.split("\n").find((l) => l.includes("replaced 25 rows"))!;
    expect(line).toMatch(/\tsucceeded\tpartial\.csv\t2026-03-03\treplaced 25 rows$/);
    const id = line.split("\t")[0]!;
    const weekId = list.stdout
      .split("\n")
      .find((l) => l.includes("\tweek.csv\t"))!
      .split("\t")[0]!;
    const shown = await canopy("imports", "show", weekId, "--org", "cli");
    expect(shown.code, shown.stderr).toBe(0);
    expect(printedKg(shown.stdout)).toBeGreaterThan(0);

    const restored = await canopy("imports", "restore", id, "--org", "cli");
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(
      /Restored: 25 previous rows count again, 24 rows of .* are kept/,
    );
    const after = await counted();
    expect(after.rows).toBe(before.rows);
    expect(after.kg).toBeCloseTo(before.kg, 9);

    const again = await canopy("imports", "restore", id, "--org", "cli");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already restored/);
  }, 120_000);

  it("lists accounts and sets an account's source precedence, refusing unknown kinds", async () => {
    const list = await canopy("accounts", "list", "--org", "cli");
    expect(list.stdout).toMatch(/\taws\t111122223333\t-\tactive\tAWS account 111122223333\n/);
    const shown = await canopy("accounts", "precedence", "111122223333", "--org", "cli");
    expect(shown.stdout).toMatch(/^aws 111122223333: default order \(cur2 = cur = aws-athena/);
    const set = await canopy(
      "accounts",
      "precedence",
      "111122223333",
      "--org",
      "cli",
      "--set",
      "focus,cur",
    );
    expect(set.stdout).toBe("aws 111122223333: focus > cur\n");
    const stored = await database.owner.pool.query(
      "SELECT source_precedence AS p FROM cloud_accounts",
    );
    expect(stored.rows).toEqual([{ p: ["focus", "cur"] }]);
    const bad = await canopy(
      "accounts",
      "precedence",
      "111122223333",
      "--org",
      "cli",
      "--set",
      "cur,bogus",
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown source kind "bogus"/);
  }, 60_000);
});
