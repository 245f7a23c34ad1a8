// @canopy/reports: the finance report model, its CSV/XLSX/PDF renderings and the report lifecycle.
export * from "./period";
export * from "./model/types";
export {
  measureInfo,
  measureKeys,
  scope3Category1LocationKg,
  scope3Category1MarketKg,
  periodMarketQualifier,
  trendMarketQualifier,
  type Measures,
} from "./model/measures";
export { canonicalJson, contentSha256 } from "./model/content-hash";
export { diffContents, sameContent } from "./model/diff";
export { comparisonLines } from "./model/comparisons";
export { buildReportContent, ReportInputError, type ReportScope } from "./build/build-content";
export {
  renderReport,
  reportFormats,
  isReportFormat,
  contentTypes,
  type ReportFormat,
  type RenderedReport,
} from "./render";
export { tidyColumns, tidyRows } from "./render/tidy";
export { formatNumber } from "./render/format";
export { usePdfFontDirectory } from "./render/pdf/document";
export * from "./lifecycle/permissions";
export type { ReportSummary } from "./lifecycle/store";
export {
  listReports,
  getReport,
  generateReport,
  finalizeReport,
  downloadReport,
  boundaryKeyOf,
  ReportNotFoundError,
  ReportLockedError,
  ReportChangedError,
  ReportNotReadyError,
  ReportNoDataError,
  reportDataSpan,
  reportTagKeys,
  type GenerateReportRequest,
  type GenerateReportResult,
} from "./lifecycle/service";
export * from "./delivery/email";
export * from "./delivery/smtp";
export * from "./delivery/transport";
export * from "./delivery/report-email";
export {
  methodologyMarkdown,
  methodologySha256,
  methodologySource,
} from "./methodology/methodology.generated";
export { markdownBlocks, type Block as MarkdownBlock } from "./methodology/blocks";
export {
  dueMonthlyReports,
  staleLockedSeries,
  reportRecipients,
  type ScheduledReport,
  type StaleSeries,
} from "./lifecycle/housekeeping";
export { formatChange, formatShare, formatSpend } from "./render/format";
export {
  breakdownCells,
  comparisonCells,
  diffGroupCells,
  diffTotalCells,
  formatFigure,
  formatSignedFigure,
} from "./render/cells";
export { boundarySummary, type BoundarySummary } from "./model/boundary";
export {
  comparableSpanShare,
  comparisonChangeText,
  type ComparisonLine,
} from "./model/comparisons";
export { ZERO_ROWS_KEY } from "./build/assemble";
