/** Local fakes of the providers' endpoints, for integration tests and benchmarks (never shipped to workers). */
export * from "./aws/testing/fake-aws-server";
export * from "./azure/testing/fake-azure-server";
export * from "./gcp/testing/fake-gcp-server";
export * from "./gcp/testing/fake-gcp-catalog";
export * from "./grid/testing/fake-electricitymaps";
export * from "./grid/testing/fake-neso";
export * from "./grid/testing/fake-eia-930";
export * from "./grid/testing/fake-entsoe";
export * from "./grid/testing/fake-watttime";
