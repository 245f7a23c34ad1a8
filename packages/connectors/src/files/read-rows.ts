import type { BillingRow } from "../classify/types";

/** One row as a reader yields it. `lineNumber` is the physical line (CSV/JSONL, header = line 1) or the 1-based row (Parquet). */
export type ReadRow = { lineNumber: number; row: BillingRow; error?: string };

/** A file that cannot be read at all (empty, truncated gzip, corrupt Parquet, no header…). */
export class BillingFileError extends Error {}

export type FileKind = "csv" | "jsonl" | "parquet";

export type ReadOptions = {
  /** Only these columns are materialized (others are skipped); all when omitted. */
  columns?: readonly string[];
  /** Columns a CSV reader may deliver as numbers (decimal text is parsed straight from the bytes). */
  numericColumns?: readonly string[];
};

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
