import { fileChunks } from "./byte-stream";
import { CsvFormatError, CsvSplitter } from "./csv-splitter";
import { BillingFileError, RangeBoundaryError, type ReadOptions, type ReadRow } from "./read-rows";

/** Reads the header line only (stops as soon as it is complete). */
export async function readCsvHeader(path: string, gzipped: boolean): Promise<string[]> {
  const splitter = new CsvSplitter(() => undefined, { selectColumns: () => [] });
  const chunks = fileChunks(path, gzipped);
  try {
    for await (const chunk of chunks) {
      splitter.push(chunk);
      if (splitter.columns) return splitter.columns;
    }
    splitter.end();
  } catch (error) {
    if (error instanceof CsvFormatError) throw new BillingFileError(`${path}: ${error.message}`);
    throw error;
  } finally {
    await chunks.return(undefined);
  }
  if (splitter.columns) return splitter.columns;
  throw new BillingFileError(`${path}: no header line`);
}

/** Byte offset where the first data row starts (after the header line). */
export async function csvDataStartOffset(path: string): Promise<number> {
  let offset = 0;
  let inQuotes = false;
  for await (const chunk of fileChunks(path, false)) {
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index];
      if (byte === 34) inQuotes = !inQuotes;
      else if (byte === 10 && !inQuotes) return offset + index + 1;
    }
    offset += chunk.length;
  }
  return offset;
}

/** CSV (optionally gzipped) rows in batches, one batch per ~1 MB chunk; memory stays flat. */
export function readCsvBatches(path: string, gzipped: boolean, options: ReadOptions = {}): AsyncGenerator<ReadRow[]> {
  return readCsvChunkBatches(fileChunks(path, gzipped, options.byteRange, options.onProgress), path, options);
}

/**
 * CSV rows in batches (one per chunk) from any byte stream — a file, an HTTP download — with the same
 * splitter as files; memory stays flat. `name` prefixes format errors. `columnsFor(header)` picks the
 * columns (and numeric columns) once the header is read, for callers that bind a classifier to it.
 */
export async function* readCsvChunkBatches(
  chunks: AsyncIterable<Buffer>,
  name: string,
  options: ReadOptions & {
    columnsFor?: (header: string[]) => Pick<ReadOptions, "columns" | "numericColumns">;
  } = {},
): AsyncGenerator<ReadRow[]> {
  let batch: ReadRow[] = [];
  const numeric = new Set(options.numericColumns ?? []);
  const splitter = new CsvSplitter(
    (row, lineNumber, missingColumns, fingerprint) => {
      if (missingColumns > 0) {
        batch.push({ lineNumber, row, error: `line has fewer fields than the header (${missingColumns} of the columns read are missing)` });
      } else if (options.fingerprints || options.fingerprintColumns) {
        // -1: a line without an id (fingerprintColumns), compared with no other.
        batch.push({ lineNumber, row, fingerprint: fingerprint >= 0 ? fingerprint : undefined });
      } else {
        batch.push({ lineNumber, row });
      }
    },
    {
      selectColumns: (header) => {
        let wanted = options.columns;
        if (options.columnsFor) {
          const picked = options.columnsFor(header);
          wanted = picked.columns;
          for (const column of picked.numericColumns ?? []) numeric.add(column);
        }
        return wanted ? header.filter((column) => wanted.includes(column)) : undefined;
      },
      numericColumns: numeric,
      fingerprintRows: options.fingerprints ?? false,
      ...(options.fingerprintColumns ? { fingerprintColumns: options.fingerprintColumns } : {}),
    },
  );
  const range = options.byteRange;
  if (range) splitter.presetHeader(range.header);
  try {
    for await (const chunk of chunks) {
      splitter.push(chunk);
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    if (range && splitter.pendingBytes > 0) {
      throw new RangeBoundaryError(`${name}: a quoted field crosses byte ${range.end}`);
    }
    splitter.end();
  } catch (error) {
    if (error instanceof CsvFormatError) throw new BillingFileError(`${name}: ${error.message}`);
    throw error;
  }
  if (batch.length > 0) yield batch;
  options.onEnd?.(splitter.lineNumber);
}
