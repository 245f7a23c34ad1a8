import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { GridDatasetError, electricityMapsDatasetNotice } from "@canopy/connectors/electricitymaps";
import { connect, GridIntensityError } from "@canopy/db";
import { importGridDataset, type GridDatasetImportResult } from "@canopy/jobs/grid-dataset";
import { log, openRuntime } from "../runtime";

const usage = "Usage: canopy grid import <file.csv>...   Electricity Maps hourly dataset files";

const count = (n: number) => n.toLocaleString("en-US");

/**
 * `canopy grid import <files…>`: loads Electricity Maps hourly dataset files (one zone-year each)
 * into the grid-intensity store shared by every organization. Each file is checked whole and
 * stored all or nothing; a bad file is reported with its line and the others still load. Exit 0
 * when every file loaded, 1 when any failed, 2 on wrong usage.
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
  const { database } = await openRuntime();
  const owner = connect(database.urls.owner, { max: 1, applicationName: "canopy-grid-import" });
  const loaded: GridDatasetImportResult[] = [];
  let failed = 0;
  try {
    for (const [at, file] of files.entries()) {
      const fileName = path.basename(file);
      log(`[${at + 1}/${files.length}] ${fileName}…`);
      try {
        const result = await importGridDataset({ owner }, fileName, createReadStream(file));
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
  } finally {
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
