import type { FileMetaData } from "hyparquet";
import { BillingFileError, type ReadOptions, type ReadRow } from "./read-rows";

/**
 * Parquet through hyparquet (pure JS, works offline; snappy built in, gzip/zstd/brotli/lz4 via
 * hyparquet-compressors). Rows are read one row-group slice at a time, so memory is bounded by the
 * slice, not the file. Line numbers are 1-based row numbers.
 */
const ROWS_PER_SLICE = 50_000;

// Loaded on the first Parquet file: CSV-only runs (most `canopy estimate` calls) never pay for it.
const loadReader = async () => {
  const [reader, { compressors }] = await Promise.all([
    import("hyparquet"),
    import("hyparquet-compressors"),
  ]);
  return { ...reader, compressors };
};

type ParquetHandle = {
  file: Awaited<ReturnType<Awaited<ReturnType<typeof loadReader>>["asyncBufferFromFile"]>>;
  metadata: FileMetaData;
};

async function openParquet(path: string): Promise<ParquetHandle> {
  const { asyncBufferFromFile, parquetMetadataAsync } = await loadReader();
  try {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    return { file, metadata };
  } catch (error) {
    throw new BillingFileError(
      `${path}: not a readable Parquet file (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** Top-level column names (a CUR 2.0 `product` map is one column). */
export async function readParquetColumns(path: string): Promise<string[]> {
  const { metadata } = await openParquet(path);
  const root = metadata.schema[0];
  const names: string[] = [];
  let index = 1;
  const childCount = root?.num_children ?? 0;
  for (let child = 0; child < childCount && index < metadata.schema.length; child++) {
    const element = metadata.schema[index];
    if (!element) break;
    names.push(element.name);
    index = skipSubtree(metadata, index);
  }
  return names;
}

function skipSubtree(metadata: FileMetaData, index: number): number {
  const element = metadata.schema[index];
  let next = index + 1;
  for (let child = 0; child < (element?.num_children ?? 0); child++)
    next = skipSubtree(metadata, next);
  return next;
}

export async function* readParquetBatches(
  path: string,
  options: ReadOptions = {},
): AsyncGenerator<ReadRow[]> {
  const { parquetReadObjects, compressors } = await loadReader();
  const { file, metadata } = await openParquet(path);
  const available = await readParquetColumns(path);
  const columns = options.columns
    ? available.filter((column) => options.columns?.includes(column))
    : available;
  const totalRows = Number(metadata.num_rows) || 1;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    for (let sliceStart = 0; sliceStart < groupRows; sliceStart += ROWS_PER_SLICE) {
      const rowStart = groupStart + sliceStart;
      const rowEnd = Math.min(groupStart + groupRows, rowStart + ROWS_PER_SLICE);
      let objects: Record<string, unknown>[];
      try {
        objects = await parquetReadObjects({
          file,
          metadata,
          columns,
          rowStart,
          rowEnd,
          compressors,
        });
      } catch (error) {
        throw new BillingFileError(
          `${path}: cannot read rows ${rowStart + 1}–${rowEnd} (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      const batch: ReadRow[] = new Array<ReadRow>(objects.length);
      for (let index = 0; index < objects.length; index++) {
        batch[index] = { lineNumber: rowStart + index + 1, row: objects[index] ?? {} };
      }
      yield batch;
      options.onProgress?.(rowEnd / totalRows);
    }
    groupStart += groupRows;
  }
}
