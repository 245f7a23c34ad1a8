export * from "./types";
export * from "./aws-cloudwatch";
export * from "./azure-monitor";
export * from "./gcp-monitoring";
