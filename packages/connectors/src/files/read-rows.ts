import type { BillingRow } from "../classify/types";

/** One row as a reader yields it. `lineNumber` is the physical line (CSV/JSONL, header = line 1) or the 1-based row (Parquet). */
export type ReadRow = {
  lineNumber: number;
  row: BillingRow;
  error?: string;
  /** With ReadOptions.fingerprints (CSV, JSONL): a 53-bit fingerprint of the line's raw bytes; with fingerprintColumns (CSV): of those columns' bytes, undefined for a line without an id. */
  fingerprint?: number;
};

/** A file that cannot be read at all (empty, truncated gzip, corrupt Parquet, no header…). */
export class BillingFileError extends Error {}

export type FileKind = "csv" | "jsonl" | "parquet";

export type ReadOptions = {
  /** Only these columns are materialized (others are skipped); all when omitted. */
  columns?: readonly string[];
  /** Columns a CSV reader may deliver as numbers (decimal text is parsed straight from the bytes). */
  numericColumns?: readonly string[];
  /**
   * CSV only: read bytes [start, end) of an uncompressed file, whose rows follow `header` (the file's
   * header line is not in the range). `start` and `end` must fall on line starts; when a quoted field
   * crosses `end` the reader throws RangeBoundaryError. Line numbers count from 1 at `start`.
   */
  byteRange?: { start: number; end: number; header: readonly string[] };
  /** Called as reading advances, with the share of the file read so far (0–1): for progress bars. */
  onProgress?: (fraction: number) => void;
  /** CSV and JSONL: give each row a fingerprint of its raw bytes (ReadRow.fingerprint), to spot repeated lines. */
  fingerprints?: boolean;
  /** CSV only, instead of `fingerprints`: the fingerprint of these columns' raw bytes (a line id), read without materializing them. */
  fingerprintColumns?: readonly string[];
  /** Called once the rows are exhausted, with the line number the next row would have had. */
  onEnd?: (nextLineNumber: number) => void;
};

/** A byte range split a quoted field: the caller should read the file in one piece instead. */
export class RangeBoundaryError extends Error {}

export type BillingFile = {
  readonly path: string;
  readonly kind: FileKind;
  readonly gzipped: boolean;
  /** Header columns (CSV), keys of the first object flattened to dotted names (JSONL), schema fields (Parquet). */
  readonly columns: string[];
  /** Rows in batches (one per read chunk / row group slice): the fast path. */
  batches(options?: ReadOptions): AsyncGenerator<ReadRow[]>;
  /** Rows one at a time. */
  rows(options?: ReadOptions): AsyncGenerator<ReadRow>;
};

export async function* rowsOfBatches(batches: AsyncIterable<ReadRow[]>): AsyncGenerator<ReadRow> {
  for await (const batch of batches) yield* batch;
}
