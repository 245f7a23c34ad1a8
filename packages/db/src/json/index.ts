/** The zod schemas of what is stored as JSON (jsonb columns, sealed credentials): zod only, safe in a browser bundle. */
export * from "./cloud-credentials";
export * from "./import-summary";
export * from "./parse";
export * from "./sync-run-details";
export * from "./connection-check";
export * from "./audit-details";
export * from "./recommendation-finding";
export * from "./alert-delivery-log";
export * from "./grid-intensity-load";
export * from "./utilization-run-details";
export * from "./alert-details";
export * from "./report-parameters";
export * from "./report-model";
