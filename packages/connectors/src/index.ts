export * from "./classify";
export * from "./files";
export * from "./grid/source";
export * from "./grid/configured";
export {
  wattTimeRegionOf,
  wattTimeSignal,
  wattTimeSourceName,
  type MarginalFetch,
  type MarginalHour,
  type WattTimeMarginalSource,
} from "./grid/watttime";
export * from "./carbon-export/read-carbon-export";
