/**
 * Live provider connectors (AWS, Azure, GCP). A separate entry point (`@canopy/connectors/live`) so
 * that importers of the pure classification and file readers do not load the cloud SDKs.
 */
export * from "./live";
export * from "./aws";
export * from "./azure";
export * from "./gcp";
export * from "./metrics";
