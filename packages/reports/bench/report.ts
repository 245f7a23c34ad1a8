/**
 * `pnpm bench:report [--reseed] [--drop] [--server URL]`
 *
 * Seeds the benchmark organization (≈10.1 million emissions_hourly rows for the 12 months of 2025,
 * with rollups; see seed-benchmark.ts) into the throwaway database `canopy_bench_reports` on the test
 * server (CANOPY_TEST_DATABASE_URL), reuses it on later runs, then generates the 12-month report
 * through the service as the app role (row-level security on) and renders every format, printing
 * seconds per step. The target is under 10 seconds for the whole report.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "@canopy/config";
import { connect, databaseUrls } from "@canopy/db";
import { generateReport, getReport, parsePeriod, renderReport, reportFormats } from "../src/index";
import {
  BENCH_ORG_SLUG,
  BENCH_YEAR,
  dropBenchDatabase,
  ensureBenchDatabase,
} from "./seed-benchmark";

const DATABASE = "canopy_bench_reports";
const TARGET_SECONDS = 10;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { reseed: { type: "boolean" }, drop: { type: "boolean" }, server: { type: "string" } },
  });
  const serverUrl = values.server ?? loadConfig().CANOPY_TEST_DATABASE_URL;
  const seedStarted = performance.now();
  const bench = await ensureBenchDatabase(serverUrl, DATABASE, {
    reseed: values.reseed ?? false,
    log,
  });
  log(
    bench.seeded
      ? `seeded ${DATABASE} in ${seconds(seedStarted)} s`
      : `reusing ${DATABASE} (--reseed to rebuild)`,
  );

  const urls = databaseUrls({
    ownerUrl: bench.ownerUrl,
    rolePrefix: bench.rolePrefix,
    appPassword: bench.appPassword,
  });
  const owner = connect(urls.owner, { max: 1 });
  const app = connect(urls.app, { max: 2, applicationName: "canopy-bench-report" });
  try {
    const { rows } = await owner.pool.query<{ id: string; hourly: number }>(
      `SELECT t.id, (SELECT count(*)::int FROM emissions_hourly e WHERE e.tenant_id = t.id) AS hourly FROM tenants t WHERE slug = $1`,
      [BENCH_ORG_SLUG],
    );
    const tenantId = rows[0]!.id;
    log(
      `organization ${BENCH_ORG_SLUG}: ${rows[0]!.hourly.toLocaleString("en-US")} emissions_hourly rows`,
    );
    // Leave no report from an earlier run: each run measures a first generation.
    await owner.pool.query("DELETE FROM reports WHERE tenant_id = $1", [tenantId]);

    const period = parsePeriod(String(BENCH_YEAR));
    const parameters = {
      tagKeys: ["team", "cost-centre"],
      functionalUnits: [{ name: "orders", count: 48_000_000 }],
    };
    const actor = { userId: null, role: "finance" as const };

    const timings: [string, number][] = [];
    const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await fn();
      timings.push([label, (performance.now() - started) / 1000]);
      return result;
    };

    const reportStarted = performance.now();
    const { report } = await time("model (queries + assembly, stored as a draft)", () =>
      generateReport(app, tenantId, { period, ...parameters }, actor),
    );
    const { model } = await getReport(app, tenantId, report.id, actor);
    const sizes: Record<string, number> = {};
    for (const format of reportFormats) {
      const rendered = await time(`render ${format}`, () => renderReport(model, format));
      sizes[format] = rendered.body.length;
    }
    const total = (performance.now() - reportStarted) / 1000;

    log("");
    log(
      `12-month report (${period.label}), ${model.content.lineage.inputRowCounts.emissionsHourly.toLocaleString("en-US")} hourly rows, ${model.content.breakdowns.length} breakdowns`,
    );
    for (const [label, s] of timings) log(`  ${label.padEnd(52)} ${s.toFixed(2).padStart(6)} s`);
    log(
      `  ${"total: model + csv + xlsx + pdf".padEnd(52)} ${total.toFixed(2).padStart(6)} s   (target < ${TARGET_SECONDS} s)`,
    );
    log(`  sizes: csv ${kib(sizes.csv)}, xlsx ${kib(sizes.xlsx)}, pdf ${kib(sizes.pdf)}`);
    return total < TARGET_SECONDS ? 0 : 1;
  } finally {
    await Promise.all([owner.close(), app.close()]);
    if (values.drop) {
      await dropBenchDatabase(serverUrl, DATABASE, bench.rolePrefix);
      log(`dropped ${DATABASE}`);
    }
  }
}

const seconds = (started: number) => ((performance.now() - started) / 1000).toFixed(1);
const kib = (bytes: number | undefined) => `${((bytes ?? 0) / 1024).toFixed(0)} KiB`;

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench:report: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
