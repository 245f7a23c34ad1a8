import type { ReportModel } from "../model/types";
import { numericColumns, tidyColumns, tidyRows, type TidyValue } from "./tidy";

/** RFC 4180 CSV (UTF-8, CRLF, header row) of the tidy table. Numbers have 6 decimals, no grouping. */
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
  if (value === null) return "";
  if (typeof value === "number") return decimal ? value.toFixed(6) : String(value);
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
