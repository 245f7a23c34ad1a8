import { stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { canopyHome } from "@canopy/config";
import { connect, withTenantClient } from "@canopy/db";
import {
  createQueueDriver,
  importTotals,
  localFileStore,
  submitImport,
  useFileStore,
  type ImportSummary,
} from "@canopy/jobs";
import { openRuntime, tenantIdOfSlug } from "../runtime";

const usage = "Usage: canopy import <file> --org <slug> [--format cur|cur2|azure|gcp|focus|usage]";

/**
 * `canopy import <file> --org <slug>`: imports a billing file into an organization of the configured
 * database and waits for it: usage, estimates and rollups. Runs the jobs in-process unless REDIS_URL
 * is set, in which case a running worker picks them up and this command follows the import's progress.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { org: { type: "string" }, format: { type: "string" } },
  });
  const file = positionals[0];
  if (!file || !values.org) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const fileInfo = await stat(file).catch(() => undefined);
  if (!fileInfo?.isFile()) {
    process.stderr.write(`canopy: ${file}: no such file\n`);
    return 1;
  }

  const { env, database, keyring } = await openRuntime();
  const owner = connect(database.urls.owner, { max: 1 });
  const app = connect(database.urls.app, { max: 4, applicationName: "canopy-cli" });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const store = localFileStore(path.join(canopyHome(env), "files"));
  useFileStore(store);
  const driver = createQueueDriver({
    redisUrl: env.REDIS_URL,
    prefix: env.CANOPY_QUEUE_PREFIX,
    deps: { owner, app, keyring, log },
  });
  try {
    const tenantId = await tenantIdOfSlug(owner, values.org);
    if (!tenantId) return 1;
    const { syncRunId } = await submitImport({
      app,
      store,
      driver,
      tenantId,
      fileName: path.basename(file),
      source: { path: file },
      maxBytes: env.CANOPY_IMPORT_MAX_BYTES,
      ...(values.format ? { format: values.format } : {}),
    });
    log(
      `Import ${syncRunId} queued (${driver.kind === "inline" ? "running in this process" : "waiting for a worker"}).`,
    );
    if (driver.kind === "inline") {
      await driver.startWorkers();
      await driver.drain();
    }
    const run = await waitForImport(app, tenantId, syncRunId, driver.kind === "inline");
    printSummary(run.summary, run.status);
    if (run.status === "succeeded" && driver.kind === "inline") {
      const totals = await importTotals(app, tenantId, run.summary);
      process.stdout.write(
        `Emissions for that span: ${figure(totals.co2eLocationKg)} kg CO2e location-based, ${figure(totals.co2eMarketKg)} kg market-based, ` +
          `${figure(totals.co2eEmbodiedKg)} kg embodied, ${figure(totals.kwhFacility)} kWh, ${figure(totals.waterL)} L water.\n`,
      );
    }
    return run.status === "succeeded" ? 0 : 1;
  } finally {
    await driver.close();
    await Promise.all([owner.close(), app.close()]);
    await database.embedded?.stop();
  }
}

async function waitForImport(
  app: ReturnType<typeof connect>,
  tenantId: string,
  syncRunId: string,
  inline: boolean,
) {
  for (;;) {
    const run = await withTenantClient(app, tenantId, async (client) => {
      const result = await client.query<{ status: string; details: ImportSummary }>(
        "SELECT status, details FROM sync_runs WHERE id = $1",
        [syncRunId],
      );
      return result.rows[0]!;
    });
    if (run.status === "succeeded" || run.status === "failed") {
      if (process.stderr.isTTY) process.stderr.write("\n");
      return { status: run.status, summary: run.details };
    }
    if (inline) {
      // The in-process driver has finished every job: the import will not move any further.
      return {
        status: "failed",
        summary: {
          ...run.details,
          error: run.details.error ?? "the import job gave up; see the messages above",
        },
      };
    }
    if (process.stderr.isTTY) {
      const { linesRead, percent } = run.details.progress;
      process.stderr.write(`\r${percent}% · ${linesRead.toLocaleString("en")} lines read`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function printSummary(summary: ImportSummary, status: string) {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (status === "failed") {
    out(`Import of ${summary.fileName} failed: ${summary.error ?? "see the worker log"}`);
    return;
  }
  out(
    `Imported ${summary.fileName} (${summary.format}): ${summary.linesRead.toLocaleString("en")} lines read, ${summary.linesImported.toLocaleString("en")} with usage, ${summary.usageRowsWritten.toLocaleString("en")} hourly usage rows written.`,
  );
  if (summary.span) out(`Covers ${summary.span.start} to ${summary.span.end}.`);
  for (const [reason, skipped] of Object.entries(summary.skipped)) {
    const lines = skipped.first.map((f) => `${f.line}`).join(", ");
    out(
      `Skipped ${skipped.lines.toLocaleString("en")} line(s): ${reason}${skipped.costAmount ? ` (cost ${skipped.costAmount.toFixed(2)})` : ""}; first lines ${lines}: ${skipped.first[0]?.detail ?? ""}`,
    );
  }
}

/** Three significant figures, so a small import does not print as zero. */
const figure = (value: number) =>
  value === 0
    ? "0"
    : Math.abs(value) >= 1000
      ? Math.round(value).toLocaleString("en")
      : value.toPrecision(3);
