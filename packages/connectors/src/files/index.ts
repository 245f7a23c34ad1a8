export * from "./read-rows";
export { CsvSplitter, CsvFormatError } from "./csv-splitter";
export { readCsvBatches, readCsvChunkBatches, readCsvHeader, csvDataStartOffset } from "./read-csv";
export { readJsonlBatches, readJsonlColumns, flattenRecord } from "./read-jsonl";
export { readParquetBatches, readParquetColumns } from "./read-parquet";
export { openBillingFile, openBillingSource, sniffFileKind, type OpenedBillingSource } from "./open-billing-file";
export { fingerprintBytes, fingerprintText, fingerprintTexts, SeenLines } from "./line-fingerprint";
