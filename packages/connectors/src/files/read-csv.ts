import { fileChunks } from "./byte-stream";
import { CsvFormatError, CsvSplitter } from "./csv-splitter";
import { BillingFileError, type ReadOptions, type ReadRow } from "./read-rows";

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

/** CSV (optionally gzipped) rows in batches, one batch per ~1 MB chunk; memory stays flat. */
export async function* readCsvBatches(path: string, gzipped: boolean, options: ReadOptions = {}): AsyncGenerator<ReadRow[]> {
  let batch: ReadRow[] = [];
  const wanted = options.columns;
  const splitter = new CsvSplitter(
    (row, lineNumber, missingColumns) => {
      if (missingColumns > 0) {
        const absent = (wanted ?? splitter.columns ?? []).filter((column) => !(column in row));
        batch.push({ lineNumber, row, error: `line ends before column ${absent[0] ?? "?"} (${missingColumns} of the header's columns missing)` });
      } else {
        batch.push({ lineNumber, row });
      }
    },
    {
      selectColumns: (header) => (wanted ? header.filter((column) => wanted.includes(column)) : undefined),
      numericColumns: new Set(options.numericColumns ?? []),
    },
  );
  try {
    for await (const chunk of fileChunks(path, gzipped)) {
      splitter.push(chunk);
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    splitter.end();
  } catch (error) {
    if (error instanceof CsvFormatError) throw new BillingFileError(`${path}: ${error.message}`);
    throw error;
  }
  if (batch.length > 0) yield batch;
}
