export * from "./usage-record";
export { isPackProvider, packProviders, providerNames, type PackProvider } from "./providers";
export { hostedRegion, hostedRegionOf, longTailProfiles, type LongTailProvider } from "./long-tail";
export * from "./estimate-types";
export { createEstimator, methodologyVersionOf } from "./estimator";
export { sciScore, type SciInput } from "./sci";
export { lookupInstanceType, type InstanceTypeInfo } from "./instance-types";
export { regionFactors, type RegionFactors } from "./region-factors";
export { dataPacks, dataPackChecksum, defaultDataPackName, resolveDataPack } from "./pack";
export type { DataPack, GridBoundary } from "./pack-types";
export { figureBases, marketBasedLabel, type FigureBasis, type FigureBases } from "./scope2-basis";
export { normalizeInstanceType, normalizeRegionName } from "./normalize";
export {
  profileRules,
  defaultLifespanYears,
  methodCodeVersion,
  type ProfileRules,
} from "./profiles";
export * from "./headlines";
export * from "./allocation";
export * from "./completeness";
export * from "./uncertainty";
export * from "./spike-detection";
export * from "./trend-forecast";
export * from "./targets";
export * from "./region-geography";
export { findInstanceRow } from "./instance-types";
export { resolveCpuPower, type CpuPower } from "./cpu-power";
export { canonicalRegion } from "./region-factors";
export * from "./defaults-share";
export * from "./linear-shape";
