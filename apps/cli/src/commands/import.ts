import { stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { canopyHome } from "@canopy/config";
import { billingFormats, type BillingFormat } from "@canopy/connectors";
import { connect, importRunRow, withTenantClient } from "@canopy/db";
import { createJobHost, localFileStore, submitImport } from "@canopy/jobs";
import { openRuntime, tenantIdOfSlug } from "../runtime";
import { printImport, printImportEmissions } from "./import-summary";

const usage = `Usage: canopy import <file> --org <slug> [--format ${billingFormats.join("|")}] [--replace]`;

/** Exit status when the import would remove stored data it does not re-supply and --replace was not given. */
export const EXIT_NEEDS_CONFIRMATION = 3;

/**
 * `canopy import <file> --org <slug>`: imports a billing file into an organization of the configured
 * database and waits for it: usage, estimates and rollups. Runs the jobs in-process unless REDIS_URL
 * is set, in which case a running worker picks them up and this command follows the import's progress.
 * When the file would replace stored data it does not re-supply, nothing changes: the preview is
 * printed and the command exits 3; `--replace` (or `canopy imports confirm <id>`) goes ahead.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: "string" },
      format: { type: "string" },
      replace: { type: "boolean", default: false },
    },
  });
  const file = positionals[0];
  if (!file || !values.org) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const format = values.format as BillingFormat | undefined;
  if (format !== undefined && !billingFormats.includes(format)) {
    process.stderr.write(
      `canopy: --format must be one of ${billingFormats.join(", ")} (got "${format}"); leave it out to detect the format from the header.\n`,
    );
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
  const { driver } = createJobHost({
    redisUrl: env.REDIS_URL,
    prefix: env.CANOPY_QUEUE_PREFIX,
    owner,
    app,
    keyring,
    log,
    fileStore: store,
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
      quotaBytes: env.CANOPY_IMPORT_QUOTA_BYTES,
      ...(format ? { format } : {}),
      ...(values.replace ? { replace: true } : {}),
    });
    log(
      `Import ${syncRunId} queued (${driver.kind === "inline" ? "running in this process" : "waiting for a worker"}).`,
    );
    if (driver.kind === "inline") {
      await driver.startWorkers();
      await driver.drain();
    }
    const run = await waitForImport(app, tenantId, syncRunId, driver.kind === "inline");
    printImport(run.summary, run.status, (line) => process.stdout.write(`${line}\n`));
    if (run.status === "awaiting_confirmation") {
      process.stderr.write(
        `Nothing was changed. To replace the stored data: run again with --replace, or \`canopy imports confirm ${syncRunId} --org ${values.org}\`.\n`,
      );
      return EXIT_NEEDS_CONFIRMATION;
    }
    if (run.status === "succeeded") {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const shown = await printImportEmissions(driver, app, tenantId, run.summary, out);
      if (shown === "pending")
        log(
          `The emissions of this import are being estimated by the worker: \`canopy imports show ${syncRunId} --org ${values.org}\` prints them once they are.`,
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
    const found = await withTenantClient(app, tenantId, (client) =>
      importRunRow(client, syncRunId),
    );
    // submitImport recorded the import with its summary.
    if (!found?.details) throw new Error(`import ${syncRunId} is not recorded`);
    const run = { status: found.status, details: found.details };
    if (["succeeded", "failed", "awaiting_confirmation"].includes(run.status)) {
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
