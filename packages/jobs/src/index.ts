export * from "./contract";
export {
  createRegistry,
  jobs,
  jobDefinition,
  parsePayload,
  type JobName,
  type JobPayloads,
  type JobRegistry,
  type PayloadsOf,
} from "./registry";
export { createInlineDriver } from "./drivers/inline";
export { createBullmqDriver } from "./drivers/bullmq";
export { createJobHost, type JobHost, type JobHostOptions } from "./job-host";
export { PermanentJobError } from "./errors";
export {
  failRunsOfJob,
  sweepStalledRuns,
  sweepStalledRunsJob,
  workerStoppedReason,
} from "./watchdog";
export * from "./estimation";
export {
  queueGridRestatement,
  affectedWindows,
  type GridRestatement,
  type RestatementTotals,
  type RestatementWindow,
} from "./grid-restatement";
export { hourlyGridBoundary } from "./hourly-grid";
export { windowPayload, type WindowPayload } from "./window-payload";
export {
  localFileStore,
  FileTooLargeError,
  fileTooLarge,
  type FileStore,
  type LocalFile,
} from "./file-store";
export { formatBytes } from "./format-bytes";
export { submitImport } from "./import/intake";
export {
  importStorage,
  ImportQuotaExceededError,
  quotaMessage,
  fileGoneMessage,
  type ImportStorage,
} from "./import/storage";
export { deleteExpiredImportFiles } from "./jobs/prune-import-files";
export { emptySummary, type ImportSummary, type LineTally } from "./import/summary";
export {
  confirmImport,
  restoreRun,
  ImportStateError,
  ImportFileGoneError,
  type RestoreOutcome,
} from "./import/versions";
export {
  importEmissions,
  importEstimatesStates,
  type ImportEstimates,
  type ImportTotals,
} from "./import/import-emissions";
export { registerReportSchedule, type ReportDelivery } from "./jobs/generate-report";
export type { ConnectorSettings } from "./connector-for";
export type { ConnectionCheckResult } from "./jobs/validate-connection";
export { reportedCarbonMonths } from "./jobs/fetch-reported-carbon";
export { registerSyncSchedule, syncWindows } from "./jobs/sync-account";
export {
  gridSourceNames,
  gridSourcesFrom,
  registerGridIntensitySchedule,
  syncGridIntensity,
  type SourceSyncResult,
} from "./jobs/sync-grid-intensity";
/** Licence and attribution of each grid-intensity source, for the app (which shows them). */
export {
  gridSourceNotices,
  wattTimeRegionOf,
  wattTimeSignal,
  wattTimeSourceName,
} from "@canopy/connectors";
export {
  storeReportedCarbon,
  reconcileProviderEmissions,
  reconciliationRows,
  type ReconciliationRow,
} from "./reconciliation";
export { importCarbonExport, type CarbonImportSummary } from "./import-carbon";
export { CarbonExportError } from "@canopy/connectors";
export {
  deliverAlertJob,
  detectAlerts,
  detectAlertsJob,
  registerAlertSchedule,
} from "./jobs/detect-alerts";
export {
  signWebhook,
  verifyWebhookSignature,
  signatureHeader,
  timestampHeader,
  deliveryHeader,
  signatureToleranceSeconds,
} from "./alerts/webhook";
export { alertHeadline } from "./alerts/messages";
export { recommendationRules, computeRecommendations } from "./recommendations/compute";
export { recommendationsJobId } from "./jobs/compute-recommendations";
export { seedDemoProviderCarbon, demoCarbonExports, DEMO_CARBON_FILES } from "./demo-carbon";
