import { createCurClassifier } from "./aws-cur";
import { createAzureClassifier } from "./azure-cost-details";
import { createFocusClassifier } from "./focus";
import { createGcpClassifier } from "./gcp-billing-export";
import type { BillingRow, ClassifyOptions, ClassifyOutcome, RowClassifier } from "./types";
import { createUsageRecordClassifier } from "./usage-file";

export * from "./types";
export { createCurClassifier, curColumns, memoryGbOf } from "./aws-cur";
export { decideAwsUsage, awsInstanceTypeOf } from "./aws-usage-types";
export { createAzureClassifier, azureColumns } from "./azure-cost-details";
export { decideAzureMeter, azureVmSizeOf } from "./azure-meters";
export { createGcpClassifier, gcpColumns, gcpCreditsOf } from "./gcp-billing-export";
export { canonicalAccountId, canonicalBillingAccountId, type CanonicalAccountId } from "./account-ids";
export { canonicalService, serviceTable, type ServiceEntry } from "./services";
export { costOnlyRecord } from "./usage-records";
export { decideGcpSku, gcpGpuModelOf } from "./gcp-skus";
export { createFocusClassifier, focusColumns } from "./focus";
export { createUsageRecordClassifier, usageRecordColumns } from "./usage-file";
export { detectFormat, createClassifier, missingColumnsByFormat, type FormatDetection } from "./detect-format";
export { parseUnit, type ParsedUnit, type UnitDimension } from "./units";
export { splitAwsUsageType, azureRegionCodeOf, awsRegionFromLongName } from "./regions";
export {
  optionalTimestampMs,
  hoursInMonthOf,
  usageTimeWindow,
  TimestampOutOfWindowError,
  DEFAULT_USAGE_EARLIEST_MS,
  DEFAULT_USAGE_LATEST_DAYS,
  type UsageTimeWindow,
} from "./timestamps";

type ClassifierFactory = (header: readonly string[], options?: ClassifyOptions) => RowClassifier;

/** One-line entry points for callers that hold single rows (live connectors, tests); the header is the row's keys. */
function oneShot(factory: ClassifierFactory) {
  let cachedKey = "";
  let cachedOptions: ClassifyOptions | undefined;
  let cached: RowClassifier | undefined;
  return (row: BillingRow, options: ClassifyOptions = {}): ClassifyOutcome => {
    const keys = Object.keys(row);
    const key = keys.join("\u0000");
    if (!cached || key !== cachedKey || options !== cachedOptions) {
      cached = factory(keys, options);
      cachedKey = key;
      cachedOptions = options;
    }
    return cached.classify(row);
  };
}

export const classifyCurLine = oneShot(createCurClassifier);
export const classifyAzureLine = oneShot(createAzureClassifier);
export const classifyGcpLine = oneShot(createGcpClassifier);
export const classifyFocusLine = oneShot(createFocusClassifier);
export const classifyUsageRecordLine = oneShot(createUsageRecordClassifier);
