/** Both Electricity Maps sources (`@canopy/connectors/electricitymaps`): the API v3 and the hourly dataset files. */
export * from "./electricitymaps-api";
export * from "./electricitymaps-dataset";
