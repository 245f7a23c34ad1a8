import { parentPort, workerData } from "node:worker_threads";
import { RangeBoundaryError, readCsvBatches, type BillingFormat } from "@canopy/connectors";
import type { AggregateSnapshot } from "./estimate-aggregate";
import {
  classifierFor,
  estimatorFor,
  readOptionsFor,
  runPipeline,
  type PipelineSettings,
} from "./estimate-pipeline";

/** Work for one byte range of an uncompressed CSV, run in a worker thread by `canopy estimate`. */
export type RangeJob = {
  path: string;
  format: BillingFormat;
  header: string[];
  start: number;
  end: number;
  settings: PipelineSettings;
};

export type RangeResult =
  | { ok: true; snapshot: AggregateSnapshot; nextLineNumber: number }
  | { ok: false; boundary: boolean; message: string };

/** Classifies, estimates and aggregates the rows of one byte range. */
export async function aggregateRange(job: RangeJob): Promise<RangeResult> {
  const classifier = classifierFor(job.format, job.header, job.settings);
  let nextLineNumber = 1;
  const batches = readCsvBatches(
    job.path,
    false,
    readOptionsFor(classifier, {
      byteRange: { start: job.start, end: job.end, header: job.header },
      onEnd: (line) => {
        nextLineNumber = line;
      },
    }),
  );
  try {
    const snapshot = await runPipeline(
      batches,
      classifier,
      estimatorFor(job.settings.profile),
      job.settings.grouping,
    );
    return { ok: true, snapshot, nextLineNumber };
  } catch (error) {
    return {
      ok: false,
      boundary: error instanceof RangeBoundaryError,
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

if (parentPort && workerData) {
  const port = parentPort;
  aggregateRange(workerData as RangeJob).then(
    (result) => port.postMessage(result),
    (error: unknown) =>
      port.postMessage({
        ok: false,
        boundary: false,
        message: String(error),
      } satisfies RangeResult),
  );
}
