/**
 * `pnpm bench:import [--lines N[,N…]] [--explain]`: the whole import path on the local PostgreSQL, for a realistic
 * generated CUR CSV of N lines (default 1,000,000 and 10,000,000): parse → classify → aggregate →
 * COPY into staging → aggregate/merge in SQL → estimate → rollup, with the inline driver in this process. Prints lines/s, seconds per
 * stage and peak RSS. Each size runs in a fresh child process so peak RSS is that size's own.
 * The database server is DATABASE_URL's, else CANOPY_TEST_DATABASE_URL's; a scratch database is
 * created and dropped. `--explain` logs the plans of statements over 500 ms to the server's log.
 * `--hourly-grid` runs each size twice, without and with hourly grid intensity stored for every zone
 * and hour of the file (synthetic values), and prints how much the hourly factors slow the import.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseEnv } from "@canopy/config";
import { createKeyring } from "@canopy/db";
import { createScratchDatabase, loadSyntheticGridIntensity } from "@canopy/db/scratch";
import { regionFactors } from "@canopy/methodology";
import { createInlineDriver, localFileStore, submitImport, type ImportSummary } from "@canopy/jobs";
import { generateCurCsv, generatedCurMonth, generatedCurRegions } from "./generate-cur";

const benchDir = path.join(os.tmpdir(), "canopy-bench");

async function runOne(lines: number, explain: boolean, hourlyGrid: boolean) {
  mkdirSync(benchDir, { recursive: true });
  const file = path.join(benchDir, `cur-fleet-${lines}.csv`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file}…\n`);
    await generateCurCsv(file, lines, undefined, { fleet: true });
  }
  const env = parseEnv();
  const database = await createScratchDatabase(env.DATABASE_URL ?? env.CANOPY_TEST_DATABASE_URL);
  if (explain) {
    // Plans (with actual times) of statements over 500 ms go to the PostgreSQL server log.
    for (const setting of [
      "session_preload_libraries = 'auto_explain'",
      "auto_explain.log_min_duration = 500",
      "auto_explain.log_analyze = on",
    ])
      await database.owner.pool.query(`ALTER DATABASE ${database.name} SET ${setting}`);
  }
  if (hourlyGrid) {
    const year = generatedCurMonth.start.getUTCFullYear();
    const zones = generatedCurRegions.flatMap(
      (r) => regionFactors("aws", r, { year }).gridZone ?? [],
    );
    await loadSyntheticGridIntensity(
      database.owner,
      zones,
      generatedCurMonth.start,
      generatedCurMonth.end,
    );
  }
  const seconds: Record<string, number> = {};
  const cleanup: (() => void)[] = [];
  try {
    const tenantId = (
      await database.owner.pool.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ('Bench', 'bench') RETURNING id",
      )
    ).rows[0]!.id;
    const filesDir = path.join(benchDir, `files-${process.pid}`);
    cleanup.push(() => rmSync(filesDir, { recursive: true, force: true }));
    const store = localFileStore(filesDir);
    const driver = createInlineDriver(
      {
        fileStore: store,
        owner: database.owner,
        app: database.app,
        keyring: createKeyring(Buffer.alloc(32, 5).toString("base64")),
        log: () => undefined,
      },
      {
        onCompleted: (job, ms) => (seconds[job] = (seconds[job] ?? 0) + ms / 1000),
        onFailed: (job, _ms, error) => process.stderr.write(`${job} failed: ${error.message}\n`),
      },
    );
    await driver.startWorkers();
    const started = performance.now();
    const { syncRunId } = await submitImport({
      app: database.app,
      store,
      driver,
      tenantId,
      fileName: path.basename(file),
      source: { path: file },
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    const storedSeconds = (performance.now() - started) / 1000;
    await driver.drain();
    const totalSeconds = (performance.now() - started) / 1000;
    await driver.close();
    const run = (
      await database.owner.pool.query<{ status: string; details: ImportSummary }>(
        "SELECT status, details FROM sync_runs WHERE id = $1",
        [syncRunId],
      )
    ).rows[0]!;
    if (run.status !== "succeeded") throw new Error(`import ${run.status}: ${run.details.error}`);
    const emissions = (
      await database.owner.pool.query(
        "SELECT count(*)::int AS n, sum(co2e_location_kg) AS kg, sum(kwh_hourly_grid) / nullif(sum(kwh_facility), 0) AS hourly FROM emissions_hourly",
      )
    ).rows[0];
    const timings = run.details.timings!;
    const result = {
      lines,
      fileMegabytes: Math.round(statSync(file).size / 1e6),
      totalSeconds,
      linesPerSecond: Math.round(lines / totalSeconds),
      stages: {
        storeFile: storedSeconds,
        "parse+classify+COPY+aggregate+merge": timings.seconds,
        estimate: seconds["estimate-window"] ?? 0,
        rollup: seconds["rollup-days"] ?? 0,
      },
      usageRows: run.details.usageRowsWritten,
      emissionRows: emissions.n,
      co2eLocationKg: Math.round(emissions.kg),
      hourlyGridShare: Number(emissions.hourly ?? 0),
      peakRssMegabytes: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    for (const step of cleanup) step();
    await database.drop();
  }
}

type Result = {
  lines: number;
  fileMegabytes: number;
  totalSeconds: number;
  linesPerSecond: number;
  stages: Record<string, number>;
  usageRows: number;
  emissionRows: number;
  hourlyGridShare: number;
  peakRssMegabytes: number;
};

function report(result: Result) {
  const stages = Object.entries(result.stages)
    .map(([name, s]) => `${name} ${s.toFixed(2)} s`)
    .join(", ");
  console.log(
    `${result.lines.toLocaleString("en")} lines (${result.fileMegabytes} MB): ${result.totalSeconds.toFixed(1)} s end to end, ` +
      `${result.linesPerSecond.toLocaleString("en")} lines/s, peak RSS ${result.peakRssMegabytes} MB\n  stages: ${stages}\n` +
      `  ${result.usageRows.toLocaleString("en")} hourly usage rows, ${result.emissionRows.toLocaleString("en")} emission rows`,
  );
}

const { values } = parseArgs({
  options: {
    lines: { type: "string" },
    child: { type: "string" },
    explain: { type: "boolean", default: false },
    "hourly-grid": { type: "boolean", default: false },
    "with-grid": { type: "boolean", default: false },
  },
});
if (values.child) {
  await runOne(Number(values.child), values.explain, values["with-grid"]);
} else {
  const runChild = (lines: number, withGrid: boolean): Result => {
    const output = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(import.meta.dirname, "import.ts"),
        "--child",
        String(lines),
        ...(values.explain ? ["--explain"] : []),
        ...(withGrid ? ["--with-grid"] : []),
      ],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 1 << 20,
      },
    );
    return JSON.parse(output.trim().split("\n").at(-1)!) as Result;
  };
  const sizes = (values.lines ?? "1000000,10000000").split(",").map(Number);
  for (const lines of sizes) {
    const annual = runChild(lines, false);
    report(annual);
    if (!values["hourly-grid"]) continue;
    const hourly = runChild(lines, true);
    report(hourly);
    const slowdown = hourly.totalSeconds / annual.totalSeconds - 1;
    console.log(
      `  with hourly grid factors (${(hourly.hourlyGridShare * 100).toFixed(1)} % of kWh): ` +
        `${slowdown >= 0 ? "+" : "−"}${Math.abs(slowdown * 100).toFixed(1)} % end to end (target: at most +10 %) ${slowdown <= 0.1 ? "PASS" : "FAIL"}`,
    );
  }
}
