export * from "./classify";
export * from "./files";
export * from "./live";
export * from "./aws";
export * from "./azure";
export * from "./gcp";
