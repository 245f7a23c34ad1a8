import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import {
  importSummarySchema as storedImportSummarySchema,
  type ImportSummary,
} from "@canopy/db/json";
import { importSchema } from "./schemas";

/** The imports API's summary (ImportSummary in the OpenAPI): what GET /api/v1/imports/{id} returns. */
const apiSummarySchema = importSchema.shape.summary.unwrap();

describe("the imports API's summary is the stored import summary", () => {
  it("accepts every stored summary (compile time)", () => {
    expectTypeOf<ImportSummary>().toExtend<z.input<typeof apiSummarySchema>>();
  });

  it("a stored summary parses with the API schema, field for field", () => {
    const stored = storedImportSummarySchema.parse({
      fileName: "cur.csv",
      fileKey: "imports/t/cur.csv",
      bytes: 120,
      format: "aws-cur",
      linesRead: 3,
      linesImported: 2,
      usageRowsWritten: 2,
      skipped: {
        unreadable: { lines: 1, costAmount: 0, first: [{ line: 4, detail: "2 columns" }] },
      },
      coverage: [
        {
          cloudAccountId: "7b0f6c1e-34a5-4f7e-9c55-8f1f0d6a2b11",
          start: "2026-05-01T00:00:00.000Z",
          end: "2026-05-02T00:00:00.000Z",
        },
      ],
      span: { start: "2026-05-01T00:00:00.000Z", end: "2026-05-02T00:00:00.000Z" },
      costTotal: 4.5,
      currency: "USD",
      progress: { linesRead: 3, percent: 100 },
    });
    const { fileKey: _internal, ...shown } = stored;
    expect(apiSummarySchema.parse(stored)).toEqual(shown);
  });
});
