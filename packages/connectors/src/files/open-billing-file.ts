import { open, stat } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { createClassifier, detectFormat } from "../classify/detect-format";
import type { BillingFormat, ClassifyOptions, RowClassifier } from "../classify/types";
import { readCsvBatches, readCsvHeader } from "./read-csv";
import { readJsonlBatches, readJsonlColumns } from "./read-jsonl";
import { readParquetBatches, readParquetColumns } from "./read-parquet";
import { BillingFileError, rowsOfBatches, type BillingFile, type FileKind, type ReadOptions } from "./read-rows";

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function looksLikeJsonl(head: Buffer): boolean {
  const text = head.toString("utf8").replace(/^\uFEFF/, "").trimStart();
  return text.startsWith("{");
}

/** Text files (CSV, JSONL) have no NUL bytes; anything else is a format we do not read. */
function assertText(path: string, head: Buffer) {
  if (head.includes(0)) {
    throw new BillingFileError(
      `${path} is not a billing file Canopy reads: expected CSV, gzipped CSV, JSONL or Parquet (AWS CUR, Azure cost export, GCP billing export or FOCUS), but it looks binary`,
    );
  }
}

/** Kind of file from its first bytes: Parquet magic `PAR1`, gzip magic 1f 8b, `{` for JSONL, else CSV. */
export async function sniffFileKind(path: string): Promise<{ kind: FileKind; gzipped: boolean }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new BillingFileError(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (size === 0) throw new BillingFileError(`${path} is empty (0 bytes)`);
  const head = await readHead(path, 64 * 1024);
  if (head.subarray(0, 4).toString("latin1") === "PAR1") return { kind: "parquet", gzipped: false };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    let inflated: Buffer;
    try {
      // 8 KB of gzip is enough to sniff and unpacks to at most ~8 MB, even from a gzip bomb.
      inflated = gunzipSync(head.subarray(0, 8192), { finishFlush: 2 /* Z_SYNC_FLUSH: accept a partial stream */ });
    } catch (error) {
      throw new BillingFileError(`${path}: gzip header is corrupt (${error instanceof Error ? error.message : String(error)})`);
    }
    if (inflated.length === 0) throw new BillingFileError(`${path}: gzip file is empty or truncated`);
    assertText(path, inflated);
    return { kind: looksLikeJsonl(inflated) ? "jsonl" : "csv", gzipped: true };
  }
  assertText(path, head);
  return { kind: looksLikeJsonl(head) ? "jsonl" : "csv", gzipped: false };
}

/** Opens a billing file: sniffs its kind, reads its header; rows are streamed on demand. */
export async function openBillingFile(path: string): Promise<BillingFile> {
  const { kind, gzipped } = await sniffFileKind(path);
  const columns =
    kind === "parquet" ? await readParquetColumns(path) : kind === "jsonl" ? await readJsonlColumns(path, gzipped) : await readCsvHeader(path, gzipped);
  const batches = (options?: ReadOptions) =>
    kind === "parquet"
      ? readParquetBatches(path, options)
      : kind === "jsonl"
        ? readJsonlBatches(path, gzipped, options)
        : readCsvBatches(path, gzipped, options);
  return {
    path,
    kind,
    gzipped,
    columns,
    batches,
    rows: (options?: ReadOptions) => rowsOfBatches(batches(options)),
  };
}

export type OpenedBillingSource = { file: BillingFile; format: BillingFormat; classifier: RowClassifier };

/**
 * Opens a file and binds the classifier of its format (detected from the header unless forced).
 * Throws BillingFileError with the missing columns when the header fits no format.
 */
export async function openBillingSource(
  path: string,
  options: ClassifyOptions & { format?: BillingFormat } = {},
): Promise<OpenedBillingSource> {
  const file = await openBillingFile(path);
  let format = options.format;
  if (!format) {
    const detection = detectFormat(file.columns);
    if (!detection.ok) throw new BillingFileError(`${path}: ${detection.message}`);
    format = detection.format;
  }
  let classifier: RowClassifier;
  try {
    classifier = createClassifier(format, file.columns, options);
  } catch (error) {
    throw new BillingFileError(`${path}: expected ${format} format, but ${error instanceof Error ? error.message : String(error)}`);
  }
  return { file, format, classifier };
}
