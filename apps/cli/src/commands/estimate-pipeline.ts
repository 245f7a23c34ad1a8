import {
  createClassifier,
  type BillingFile,
  type BillingFormat,
  type ClassifyOutcome,
  type ReadOptions,
  type RowClassifier,
} from "@canopy/connectors";
import { createEstimator, lookupInstanceType, type Estimate, type Estimator, type UsageRecord } from "@canopy/methodology";
import { EstimateAggregator, type AggregateSnapshot, type Grouping } from "./estimate-aggregate";

export type Profile = "canopy" | "ccf";

/** One input line's result, for `--group-by row`. */
export type LineResult =
  | { lineNumber: number; status: "usage"; records: UsageRecord[]; estimates: Estimate[] }
  | { lineNumber: number; status: "unsupported"; outcome: Extract<ClassifyOutcome, { status: "unsupported" }> }
  | { lineNumber: number; status: "error"; message: string };

export type PipelineSettings = {
  profile: Profile;
  grouping: Grouping;
  /** Row mode wants resource ids in its output; grouped modes skip them (less to read). */
  includeResourceIds: boolean;
};

export function classifierFor(format: BillingFormat, columns: readonly string[], settings: PipelineSettings): RowClassifier {
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

type ShapeFactors = { perUnit: Estimate; checked: boolean; linear: boolean };

/** Everything an estimate may depend on except the quantity (and fields that never matter: account, cost, ids). */
function shapeKeyOf(record: UsageRecord): string {
  return (
    record.provider +
    "\u0001" +
    record.region +
    "\u0001" +
    record.periodStart.slice(0, 4) +
    "\u0001" +
    record.periodHours +
    "\u0001" +
    record.kind +
    "\u0001" +
    record.unit +
    "\u0001" +
    record.service +
    "\u0001" +
    record.usageType +
    "\u0001" +
    record.instanceType +
    "\u0001" +
    record.vcpus +
    "\u0001" +
    record.memoryGb +
    "\u0001" +
    record.storageClass +
    "\u0001" +
    record.replicationHint +
    "\u0001" +
    record.gpuModel +
    "\u0001" +
    record.gpuCount +
    "\u0001" +
    record.cpuUtilization
  );
}

function scaledEstimate(perUnit: Estimate, quantity: number): Estimate {
  return {
    kwhIt: perUnit.kwhIt * quantity,
    kwhFacility: perUnit.kwhFacility * quantity,
    pue: perUnit.pue,
    gridIntensityGPerKwh: perUnit.gridIntensityGPerKwh,
    co2eLocationKg: perUnit.co2eLocationKg * quantity,
    co2eMarketKg: perUnit.co2eMarketKg * quantity,
    embodiedKg: perUnit.embodiedKg * quantity,
    waterL: perUnit.waterL * quantity,
    methodologyVersion: perUnit.methodologyVersion,
    quality: perUnit.quality,
  };
}

function closeTo(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;
}

function sameEstimate(a: Estimate, b: Estimate): boolean {
  return (
    closeTo(a.kwhIt, b.kwhIt) &&
    closeTo(a.co2eLocationKg, b.co2eLocationKg) &&
    closeTo(a.co2eMarketKg, b.co2eMarketKg) &&
    closeTo(a.embodiedKg, b.embodiedKg) &&
    closeTo(a.waterL, b.waterL) &&
    a.pue === b.pue &&
    a.gridIntensityGPerKwh === b.gridIntensityGPerKwh &&
    a.quality === b.quality
  );
}

const MAX_SHAPES = 200_000;

/**
 * The estimate of a record is proportional to its quantity for a fixed record shape (kind, unit,
 * region, year, instance type…; no hourly grid data is used here). A 1M-line bill has a few thousand
 * shapes, so the estimator runs once per shape and records are scaled. Each shape is checked once
 * against the estimator on its second record; a shape that does not scale exactly is always estimated.
 */
export function withLinearShapeCache(estimator: Estimator): Estimator {
  const shapes = new Map<string, ShapeFactors>();
  function estimate(record: UsageRecord): Estimate {
    const quantity = record.quantity;
    if (!(quantity > 0) || !Number.isFinite(quantity)) return estimator.estimate(record);
    const key = shapeKeyOf(record);
    const shape = shapes.get(key);
    if (shape === undefined) {
      const exact = estimator.estimate(record);
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(key, { perUnit: scaledEstimate(exact, 1 / quantity), checked: false, linear: true });
      return exact;
    }
    if (!shape.linear) return estimator.estimate(record);
    const scaled = scaledEstimate(shape.perUnit, quantity);
    if (!shape.checked) {
      shape.checked = true;
      const exact = estimator.estimate(record);
      if (!sameEstimate(exact, scaled)) {
        shape.linear = false;
        return exact;
      }
    }
    if (!(scaled.co2eLocationKg < Infinity && scaled.embodiedKg < Infinity && scaled.waterL < Infinity)) return estimator.estimate(record);
    return scaled;
  }
  return { methodologyVersion: estimator.methodologyVersion, estimate };
}

/**
 * Streams rows through classify → estimate → aggregate. `onLine` (row mode) receives every line's
 * result in file order. Returns the aggregate of everything read.
 */
export async function runPipeline(
  batches: AsyncIterable<{ lineNumber: number; row: Readonly<Record<string, unknown>>; error?: string }[]>,
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
          records.forEach((record, index) => aggregator.addEstimate(record, estimates[index] as Estimate));
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
  return runPipeline(file.batches(readOptionsFor(classifier)), classifier, estimatorFor(settings.profile), settings.grouping, onLine);
}
