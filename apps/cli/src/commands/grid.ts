import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { GridIntensityError, connect } from "@canopy/db";
import { createJobHost, queueGridRestatement, type GridRestatement } from "@canopy/jobs";
import {
  GridDatasetError,
  electricityMapsDatasetNotice,
  importGridDataset,
  type GridDatasetImportResult,
} from "@canopy/jobs/grid-dataset";
import { log, openRuntime } from "../runtime";

const usage = "Usage: canopy grid import <file.csv>...   Electricity Maps hourly dataset files";

const count = (n: number) => n.toLocaleString("en-US");

/**
 * `canopy grid import <files…>`: loads Electricity Maps hourly dataset files (one zone-year each)
 * into the grid-intensity store shared by every organization. Each file is checked whole and
 * stored all or nothing; a bad file is reported with its line and the others still load. Each load
 * queues the re-estimation of every organization's affected windows (run here unless REDIS_URL is
 * set). Exit 0 when every file loaded, 1 when any failed, 2 on wrong usage.
 */
export async function run(argv: string[]): Promise<number> {
  const [action, ...files] = argv;
  if (action !== "import" || files.length === 0 || files.some((f) => f.startsWith("-"))) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      process.stderr.write(`canopy: ${file}: no such file\n`);
      return 1;
    }
  }
  const { env, database, keyring } = await openRuntime();
  const owner = connect(database.urls.owner, { max: 2, applicationName: "canopy-grid-import" });
  const app = connect(database.urls.app, { max: 4, applicationName: "canopy-cli" });
  const { driver } = createJobHost({
    redisUrl: env.REDIS_URL,
    prefix: env.CANOPY_QUEUE_PREFIX,
    owner,
    app,
    keyring,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const enqueue = driver.enqueue.bind(driver);
  const restatements: GridRestatement[] = [];
  const afterLoad = async (load: Parameters<typeof queueGridRestatement>[1]) => {
    restatements.push(await queueGridRestatement({ owner, enqueue }, load));
  };
  const loaded: GridDatasetImportResult[] = [];
  let failed = 0;
  try {
    for (const [at, file] of files.entries()) {
      const fileName = path.basename(file);
      log(`[${at + 1}/${files.length}] ${fileName}…`);
      try {
        const result = await importGridDataset(
          { owner, afterLoad },
          fileName,
          createReadStream(file),
        );
        loaded.push(result);
        log(
          `  ${result.zone}: ${count(result.rows)} hours, ${count(result.rowsWritten)} rows written, ${count(result.rowsRevised)} revised (load ${result.loadId})`,
        );
      } catch (error) {
        if (!(error instanceof GridDatasetError || error instanceof GridIntensityError))
          throw error;
        failed++;
        process.stderr.write(`canopy: ${error.message} (nothing stored from this file)\n`);
      }
    }
    const windows = restatements.reduce((total, r) => total + r.windows, 0);
    if (windows > 0 && driver.kind === "inline") {
      log(`Re-estimating ${windows} organization window(s) (account × month) with the new hours…`);
      await driver.startWorkers();
      await driver.drain();
    } else if (windows > 0) log(`Queued re-estimation of ${windows} window(s) for the worker.`);
    else if (loaded.length > 0)
      log("No stored usage is in these zones and hours: nothing to re-estimate.");
  } finally {
    await driver.close();
    await app.close();
    await owner.close();
    await database.embedded?.stop();
  }
  const zones = [...new Set(loaded.map((r) => r.zone))].sort();
  const sum = (key: "rows" | "rowsWritten" | "rowsRevised") =>
    count(loaded.reduce((total, r) => total + r[key], 0));
  log(
    `Loaded ${loaded.length} of ${files.length} file(s): zones ${zones.join(", ") || "none"}; ${sum("rows")} hours, ${sum("rowsWritten")} rows written, ${sum("rowsRevised")} revised.`,
  );
  if (loaded.length > 0) log(`Data: ${electricityMapsDatasetNotice.attribution}`);
  return failed > 0 ? 1 : 0;
}
