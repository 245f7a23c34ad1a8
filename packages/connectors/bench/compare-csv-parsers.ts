/**
 * Reads one CUR CSV three ways and reports rows/s and peak RSS, to choose the CSV reader:
 *   pnpm --filter @canopy/connectors exec tsx bench/compare-csv-parsers.ts <file.csv> [splitter|csv-parse|duckdb]
 * Each way materializes the same columns (those the CUR classifier reads) for every row and counts rows.
 * Run one way per process so peak RSS is per way.
 */
import { createReadStream } from "node:fs";
import { createCurClassifier } from "../src/classify/aws-cur";
import { readCsvBatches, readCsvHeader } from "../src/files/read-csv";

const [path, way = "splitter"] = process.argv.slice(2);
if (!path) throw new Error("usage: compare-csv-parsers.ts <file.csv> [splitter|csv-parse|duckdb]");
const header = await readCsvHeader(path, false);
const classifier = createCurClassifier(header, { includeTags: false, includeResourceIds: false });
const columns = classifier.usedColumns;
const numericColumns = classifier.numericColumns;
const started = performance.now();
let rows = 0;
let checksum = 0;

if (way === "splitter") {
  for await (const batch of readCsvBatches(path, false, { columns, numericColumns })) {
    for (const { row } of batch) {
      rows++;
      checksum += String(row["lineItem/UsageType"] ?? "").length;
    }
  }
} else if (way === "csv-parse") {
  const { parse } = await import("csv-parse");
  const parser = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(parse({ columns: true, bom: true, relax_column_count: true }));
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    const row: Record<string, string> = {};
    for (const column of columns) row[column] = record[column] ?? "";
    rows++;
    checksum += String(row["lineItem/UsageType"] ?? "").length;
  }
} else if (way === "duckdb") {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  const select = columns.map((column) => `"${column}"::VARCHAR`).join(", ");
  const result = await connection.stream(`SELECT ${select} FROM read_csv('${path.replaceAll("'", "''")}', header=true, all_varchar=true)`);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const data = chunk.getColumns();
    for (let index = 0; index < chunk.rowCount; index++) {
      const row: Record<string, unknown> = {};
      for (let column = 0; column < columns.length; column++) row[columns[column] ?? ""] = data[column]?.[index];
      rows++;
      checksum += String(row["lineItem/UsageType"] ?? "").length;
    }
  }
} else {
  throw new Error(`unknown way ${way}`);
}

const seconds = (performance.now() - started) / 1000;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `${way.padEnd(10)} ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds).toLocaleString("en-US")} rows/s, peak RSS ${maxRssMb.toFixed(0)} MB (checksum ${checksum})`,
);
