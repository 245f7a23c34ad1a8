import {
  createClassifier,
  type BillingFile,
  type BillingFormat,
  type ClassifyOutcome,
  type ReadOptions,
  type RowClassifier,
} from "@canopy/connectors";
import {
  createEstimator,
  linearUnitEstimate,
  lookupInstanceType,
  scaleEstimate,
  type Estimate,
  type Estimator,
  type UsageRecord,
} from "@canopy/methodology";
import { EstimateAggregator, type AggregateSnapshot, type Grouping } from "./estimate-aggregate";

export type Profile = "canopy" | "ccf";

/** One input line's result, for `--group-by row`. */
export type LineResult =
  | { lineNumber: number; status: "usage"; records: UsageRecord[]; estimates: Estimate[] }
  | {
      lineNumber: number;
      status: "unsupported";
      outcome: Extract<ClassifyOutcome, { status: "unsupported" }>;
    }
  | { lineNumber: number; status: "error"; message: string };

export type PipelineSettings = {
  profile: Profile;
  grouping: Grouping;
  /** Row mode wants resource ids in its output; grouped modes skip them (less to read). */
  includeResourceIds: boolean;
};

export function classifierFor(
  format: BillingFormat,
  columns: readonly string[],
  settings: PipelineSettings,
): RowClassifier {
  return createClassifier(format, columns, {
    includeTags: false,
    includeResourceIds: settings.includeResourceIds,
    lookupInstance: (provider, instanceType) => lookupInstanceType(provider, instanceType),
    source: "line",
  });
}

export function estimatorFor(profile: Profile): Estimator {
  return withLinearShapeCache(createEstimator({ profile }));
}

/** A record shape: everything an estimate may depend on except the quantity (account, cost and ids never matter). */
type Shape = {
  provider: string;
  region: string;
  year: number;
  periodHours: number;
  kind: string;
  unit: string;
  service: string;
  instanceType: string | undefined;
  vcpus: number | undefined;
  memoryGb: number | undefined;
  storageClass: string | undefined;
  replicationHint: number | undefined;
  gpuModel: string | undefined;
  gpuCount: number | undefined;
  cpuUtilization: number | undefined;
  /** One unit's estimate; undefined when the shape does not scale with quantity. */
  perUnit: Estimate | undefined;
};

/** UTC year of an ISO timestamp from its first four digits (records carry UTC `…Z` starts). */
function yearOf(iso: string): number {
  return (
    (iso.charCodeAt(0) - 48) * 1000 +
    (iso.charCodeAt(1) - 48) * 100 +
    (iso.charCodeAt(2) - 48) * 10 +
    (iso.charCodeAt(3) - 48)
  );
}

function sameShape(shape: Shape, record: UsageRecord, year: number): boolean {
  return (
    shape.region === record.region &&
    shape.service === record.service &&
    shape.kind === record.kind &&
    shape.unit === record.unit &&
    shape.year === year &&
    shape.periodHours === record.periodHours &&
    shape.instanceType === record.instanceType &&
    shape.vcpus === record.vcpus &&
    shape.memoryGb === record.memoryGb &&
    shape.storageClass === record.storageClass &&
    shape.replicationHint === record.replicationHint &&
    shape.provider === record.provider &&
    shape.gpuModel === record.gpuModel &&
    shape.gpuCount === record.gpuCount &&
    shape.cpuUtilization === record.cpuUtilization
  );
}

const MAX_SHAPES = 200_000;

/**
 * Shape-based estimation (@canopy/methodology linear-shape.ts, the rule the estimate jobs use too):
 * a 1M-line bill has a few thousand record shapes, so the estimator runs per shape (at quantity 1 and
 * at the probe quantity, which checks that the shape scales) and records are scaled. No hourly grid
 * data is used here. Shapes are bucketed by usage type: the reader hands out one string instance per
 * distinct value, so the lookup hashes nothing new per record.
 */
export function withLinearShapeCache(estimator: Estimator): Estimator {
  const buckets = new Map<string, Shape[]>();
  let shapeCount = 0;
  function estimate(record: UsageRecord): Estimate {
    const quantity = record.quantity;
    if (!(quantity > 0) || !Number.isFinite(quantity)) return estimator.estimate(record);
    const year = yearOf(record.periodStart);
    const bucketKey = record.usageType ?? record.service;
    let bucket = buckets.get(bucketKey);
    let shape: Shape | undefined;
    if (bucket !== undefined) {
      for (const candidate of bucket) {
        if (sameShape(candidate, record, year)) {
          shape = candidate;
          break;
        }
      }
    }
    if (shape === undefined) {
      if (shapeCount >= MAX_SHAPES) {
        buckets.clear();
        shapeCount = 0;
        bucket = undefined;
      }
      if (bucket === undefined) {
        bucket = [];
        buckets.set(bucketKey, bucket);
      }
      shape = {
        provider: record.provider,
        region: record.region,
        year,
        periodHours: record.periodHours,
        kind: record.kind,
        unit: record.unit,
        service: record.service,
        instanceType: record.instanceType,
        vcpus: record.vcpus,
        memoryGb: record.memoryGb,
        storageClass: record.storageClass,
        replicationHint: record.replicationHint,
        gpuModel: record.gpuModel,
        gpuCount: record.gpuCount,
        cpuUtilization: record.cpuUtilization,
        perUnit: linearUnitEstimate(estimator, record),
      };
      bucket.push(shape);
      shapeCount++;
    }
    if (shape.perUnit === undefined) return estimator.estimate(record);
    const scaled = scaleEstimate(shape.perUnit, quantity);
    if (!(
      scaled.co2eLocationKg < Infinity &&
      scaled.embodiedKg < Infinity &&
      scaled.waterL < Infinity
    ))
      return estimator.estimate(record);
    return scaled;
  }
  return { methodologyVersion: estimator.methodologyVersion, estimate };
}

/**
 * Streams rows through classify → estimate → aggregate. `onLine` (row mode) receives every line's
 * result in file order. Returns the aggregate of everything read.
 */
export async function runPipeline(
  batches: AsyncIterable<
    { lineNumber: number; row: Readonly<Record<string, unknown>>; error?: string }[]
  >,
  classifier: RowClassifier,
  estimator: Estimator,
  grouping: Grouping,
  onLine?: (result: LineResult) => void,
): Promise<AggregateSnapshot> {
  const aggregator = new EstimateAggregator(grouping);
  aggregator.methodologyVersion = estimator.methodologyVersion;
  let lines = 0;
  let usageLines = 0;
  for await (const batch of batches) {
    for (const item of batch) {
      lines++;
      const lineNumber = item.lineNumber;
      if (item.error !== undefined) {
        aggregator.addError(lineNumber, item.error);
        onLine?.({ lineNumber, status: "error", message: item.error });
        continue;
      }
      const outcome = classifier.classify(item.row, lineNumber);
      if (outcome.status === "usage") {
        usageLines++;
        const records = outcome.records;
        if (onLine) {
          const estimates = records.map((record) => estimator.estimate(record));
          records.forEach((record, index) =>
            aggregator.addEstimate(record, estimates[index] as Estimate),
          );
          onLine({ lineNumber, status: "usage", records, estimates });
        } else {
          for (const record of records) aggregator.addEstimate(record, estimator.estimate(record));
        }
      } else if (outcome.status === "unsupported") {
        aggregator.addUnsupported(outcome);
        onLine?.({ lineNumber, status: "unsupported", outcome });
      } else {
        aggregator.addError(lineNumber, outcome.message);
        onLine?.({ lineNumber, status: "error", message: outcome.message });
      }
    }
  }
  aggregator.lines = lines;
  aggregator.usageLines = usageLines;
  return aggregator.snapshot();
}

export function readOptionsFor(classifier: RowClassifier, extra: ReadOptions = {}): ReadOptions {
  return { columns: classifier.usedColumns, numericColumns: classifier.numericColumns, ...extra };
}

export async function aggregateWholeFile(
  file: BillingFile,
  classifier: RowClassifier,
  settings: PipelineSettings,
  onLine?: (result: LineResult) => void,
): Promise<AggregateSnapshot> {
  return runPipeline(
    file.batches(readOptionsFor(classifier)),
    classifier,
    estimatorFor(settings.profile),
    settings.grouping,
    onLine,
  );
}
