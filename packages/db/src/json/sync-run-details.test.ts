import { describe, expect, it } from "vitest";
import { importSummaryOfRun, parseImportSummary, parseSyncRunDetails } from "./sync-run-details";
import { StoredJsonError } from "./parse";

const summary = {
  fileName: "cur.csv",
  fileKey: "imports/t/cur.csv",
  bytes: 120,
  linesRead: 2,
  linesImported: 1,
  usageRowsWritten: 1,
  skipped: { unreadable: { lines: 1, costAmount: 0, first: [{ line: 3, detail: "2 columns" }] } },
  costTotal: 4.5,
  progress: { linesRead: 2, percent: 100 },
  restoredAt: "2026-06-01T10:00:00.000Z",
};

const sync = {
  jobId: "sync:acct:1",
  mode: "sync",
  chunks: [],
  skipped: { error: { lines: 2, cost: 1.5, example: "no region" } },
  progress: { chunksDone: 0, chunksTotal: 3, rowsRead: 0 },
};

describe("sync_runs.details", () => {
  it("parses an import's summary and a sync's details by the run's kind", () => {
    expect(parseImportSummary(summary, "run-1")).toEqual(summary);
    expect(parseSyncRunDetails("sync", sync, "run-2")).toEqual(sync);
    expect(parseSyncRunDetails("import", null, "run-3")).toBeNull();
    expect(importSummaryOfRun({ kind: "import", details: summary })).toEqual(summary);
    expect(
      importSummaryOfRun({ kind: "sync", details: parseSyncRunDetails("sync", sync, "r") }),
    ).toBeNull();
  });

  it("refuses a malformed stored summary, naming the run and the fields", () => {
    const { linesRead: _dropped, ...withoutLinesRead } = summary;
    const malformed = { ...withoutLinesRead, skipped: { unreadable: { lines: "1" } } };
    expect(() => parseImportSummary(malformed, "run-9")).toThrow(StoredJsonError);
    expect(() => parseImportSummary(malformed, "run-9")).toThrow(
      /^sync_runs\.details of import run-9 is not what its schema declares: linesRead: .*; skipped\.unreadable\.lines: /,
    );
  });

  it("refuses a sync's details read as an import's summary", () => {
    expect(() => parseSyncRunDetails("import", sync, "run-4")).toThrow(
      /sync_runs\.details of import run run-4 .*fileName/,
    );
    expect(() => parseSyncRunDetails("backfill", { ...sync, mode: "hourly" }, "run-5")).toThrow(
      /mode: /,
    );
  });
});
