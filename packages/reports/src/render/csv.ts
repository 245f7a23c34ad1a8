import type { ReportModel } from "../model/types";
import { csvCell } from "./csv-cell";
import { numericColumns, tidyColumns, tidyRows, type TidyValue } from "./tidy";

/**
 * RFC 4180 CSV (UTF-8, CRLF, header row) of the tidy table. Numbers have 6 decimals, no grouping;
 * text that a spreadsheet would run as a formula is neutralised (csvCell).
 */
export function renderCsv(model: ReportModel): Buffer {
  const header = tidyColumns.map((c) => c.name);
  const lines = [header.join(",")];
  for (const row of tidyRows(model)) {
    lines.push(
      header
        .map((name) => csvField(row[name], numericColumns.has(name) && name !== "report_version"))
        .join(","),
    );
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");
}

function csvField(value: TidyValue, decimal: boolean): string {
  if (typeof value === "number" && decimal) return value.toFixed(6);
  return csvCell(value);
}
