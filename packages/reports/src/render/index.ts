import type { ReportModel } from "../model/types";
import { renderCsv } from "./csv";
import { fileStem } from "./format";
import { renderPdf } from "./pdf/render-pdf";
import { renderXlsx } from "./xlsx";

export const reportFormats = ["csv", "xlsx", "pdf"] as const;
export type ReportFormat = (typeof reportFormats)[number];

export const contentTypes: Record<ReportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pdf: "application/pdf",
};

export type RenderedReport = {
  format: ReportFormat;
  fileName: string;
  contentType: string;
  body: Buffer;
};

/** Renders one format of the model. Every format reads only the model, so they cannot disagree. */
export async function renderReport(
  model: ReportModel,
  format: ReportFormat,
): Promise<RenderedReport> {
  const body =
    format === "csv"
      ? renderCsv(model)
      : format === "xlsx"
        ? await renderXlsx(model)
        : await renderPdf(model);
  return {
    format,
    fileName: `${fileStem(model)}.${format}`,
    contentType: contentTypes[format],
    body,
  };
}

export function isReportFormat(value: string): value is ReportFormat {
  return (reportFormats as readonly string[]).includes(value);
}
