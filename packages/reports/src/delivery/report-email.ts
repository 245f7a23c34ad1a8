import type { ReportSummary } from "../lifecycle/store";
import type { EmailMessage } from "./email";

/** Where the web app serves a report's files (the web page calls downloadReport for this path). */
export function reportDownloadUrl(
  publicUrl: string,
  reportId: string,
  format: "pdf" | "xlsx" | "csv" = "pdf",
): string {
  return `${publicUrl.replace(/\/+$/, "")}/reports/${reportId}/download?format=${format}`;
}

export function reportPageUrl(publicUrl: string, reportId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/reports/${reportId}`;
}

/** The "your monthly report is ready" email, with links (sign-in required to follow them). */
export function reportReadyEmail(options: {
  from: string;
  to: string[];
  organizationName: string;
  report: ReportSummary;
  publicUrl: string;
  scope3LocationKg: number;
}): EmailMessage {
  const { report } = options;
  const tonnes = (options.scope3LocationKg / 1000).toLocaleString("en-US", {
    maximumFractionDigits: 2,
    minimumFractionDigits: 2,
  });
  return {
    from: options.from,
    to: options.to,
    subject: `${options.organizationName}: cloud emissions report for ${report.period.label} is ready (draft v${report.version})`,
    text: [
      `The cloud emissions report of ${options.organizationName} for ${report.period.label} has been generated.`,
      "",
      `Scope 3 Category 1, location-based: ${tonnes} t CO2e (draft, version ${report.version}).`,
      "",
      `Review it: ${reportPageUrl(options.publicUrl, report.id)}`,
      `Download the PDF: ${reportDownloadUrl(options.publicUrl, report.id, "pdf")}`,
      `Download the XLSX: ${reportDownloadUrl(options.publicUrl, report.id, "xlsx")}`,
      `Download the CSV: ${reportDownloadUrl(options.publicUrl, report.id, "csv")}`,
      "",
      "The draft recomputes until someone with the finance, admin or owner role finalizes it; finalizing locks",
      "the figures, the methodology version and the content SHA-256.",
      "",
      "Links need you to be signed in to Canopy.",
    ].join("\n"),
  };
}
