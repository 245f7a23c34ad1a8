import { fileChunks } from "./byte-stream";
import { MAX_LINE_BYTES } from "./csv-splitter";
import { fingerprintText } from "./line-fingerprint";
import { BillingFileError, type ReadOptions, type ReadRow } from "./read-rows";

const LF = 10;

/**
 * Nested records flattened to dotted keys, as BigQuery's CSV export names them (`usage.amount`,
 * `location.region`). Arrays (labels, system_labels, credits) stay arrays.
 */
export function flattenRecord(value: Record<string, unknown>, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const key of Object.keys(value)) {
    const entry = value[key];
    const name = prefix === "" ? key : `${prefix}.${key}`;
    if (entry !== null && typeof entry === "object" && !Array.isArray(entry)) flattenRecord(entry as Record<string, unknown>, name, out);
    else out[name] = entry;
  }
  return out;
}

function parseLine(text: string, lineNumber: number): ReadRow {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return { lineNumber, row: {}, error: "line is not a JSON object" };
    }
    return { lineNumber, row: flattenRecord(parsed as Record<string, unknown>) };
  } catch (error) {
    return { lineNumber, row: {}, error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** JSON Lines (BigQuery's NEWLINE_DELIMITED_JSON export), optionally gzipped; one batch per chunk. */
export async function* readJsonlBatches(path: string, gzipped: boolean, options: ReadOptions = {}): AsyncGenerator<ReadRow[]> {
  let pending: Buffer | undefined;
  let lineNumber = 0;
  const wanted = options.columns ? new Set(options.columns) : undefined;
  const project = (row: ReadRow): ReadRow => {
    if (!wanted || row.error) return row;
    const kept: Record<string, unknown> = {};
    for (const key of Object.keys(row.row)) if (wanted.has(key)) kept[key] = row.row[key];
    return { lineNumber: row.lineNumber, row: kept };
  };
  for await (const chunk of fileChunks(path, gzipped, undefined, options.onProgress)) {
    const buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    const batch: ReadRow[] = [];
    let start = 0;
    for (let newline = buffer.indexOf(LF, start); newline !== -1; newline = buffer.indexOf(LF, start)) {
      lineNumber++;
      const text = buffer.toString("utf8", start, newline).trim();
      if (text !== "") {
        const row = project(parseLine(text, lineNumber));
        if (options.fingerprints) row.fingerprint = fingerprintText(text);
        batch.push(row);
      }
      start = newline + 1;
    }
    if (buffer.length - start > MAX_LINE_BYTES) {
      throw new BillingFileError(
        `${path}: line ${lineNumber + 1} is longer than ${MAX_LINE_BYTES} bytes (${buffer.length - start} bytes read without the line ending); not a billing file`,
      );
    }
    pending = start < buffer.length ? Buffer.from(buffer.subarray(start)) : undefined;
    if (batch.length > 0) yield batch;
  }
  if (pending) {
    const text = pending.toString("utf8").trim();
    if (text !== "") {
      const row = project(parseLine(text, lineNumber + 1));
      if (options.fingerprints) row.fingerprint = fingerprintText(text);
      yield [row];
    }
  }
}

/** Columns of a JSONL file: the flattened keys of its first object. */
export async function readJsonlColumns(path: string, gzipped: boolean): Promise<string[]> {
  const batches = readJsonlBatches(path, gzipped);
  try {
    for await (const batch of batches) {
      for (const row of batch) {
        if (row.error) throw new BillingFileError(`${path}: line ${row.lineNumber}: ${row.error}`);
        return Object.keys(row.row);
      }
    }
  } finally {
    await batches.return(undefined);
  }
  throw new BillingFileError(`${path}: no JSON object in the file`);
}
