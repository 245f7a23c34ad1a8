import { open, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import {
  billingFormats,
  BillingFileError,
  csvDataStartOffset,
  openBillingSource,
  type BillingFile,
  type BillingFormat,
  type RowClassifier,
} from "@canopy/connectors";
import {
  groupings,
  mergeSnapshots,
  type AggregateSnapshot,
  type Grouping,
} from "./estimate-aggregate";
import {
  groupsAsCsv,
  groupsAsJson,
  groupsAsTable,
  lineAsCsv,
  lineAsJson,
  lineAsTableRow,
  outputFormats,
  rowCsvHeader,
  rowTableHeader,
  summaryText,
  type OutputFormat,
} from "./estimate-output";
import {
  aggregateWholeFile,
  classifierFor,
  type LineResult,
  type PipelineSettings,
  type Profile,
} from "./estimate-pipeline";
import { aggregateRange, type RangeJob, type RangeResult } from "./estimate-worker";

const usage = `Usage: canopy estimate <file> [options]

Reads a billing file (CSV, gzipped CSV, Parquet or JSONL; the format is detected from the header)
and prints energy, emissions and water estimates. No database needed.

Options:
  --format cur|cur2|azure|gcp|focus|usage   force the billing format
  --group-by row|provider|service|region|account|day|month   (default service)
  --output table|json|csv                   (default table; with --group-by row, json prints NDJSON)
  --profile canopy|ccf                      methodology profile (default canopy)
  -h, --help                                show this help

Exit codes: 0 ok, 1 file unreadable, 2 usage error.
`;

/** Uncompressed CSVs at least this big are split in two halves estimated on two threads. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

class UsageError extends Error {}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got "${value}")`);
}

function parseCommandLine(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: "string" },
      "group-by": { type: "string" },
      output: { type: "string" },
      profile: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { help: true as const };
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? "missing <file>" : `expected one file, got ${positionals.length}`,
    );
  }
  return {
    help: false as const,
    path: positionals[0] as string,
    format:
      values.format === undefined
        ? undefined
        : oneOf<BillingFormat>("format", values.format, billingFormats, "cur"),
    grouping: oneOf<Grouping>("group-by", values["group-by"], groupings, "service"),
    output: oneOf<OutputFormat>("output", values.output, outputFormats, "table"),
    profile: oneOf<Profile>("profile", values.profile, ["canopy", "ccf"], "canopy"),
  };
}

/** Buffers output and respects backpressure between batches (row mode prints a line per input line). */
class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  private blocked: Promise<void> | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join("");
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(text) && !this.blocked) {
      this.blocked = new Promise((resolve) => this.stream.once("drain", () => resolve()));
    }
  }

  async drained(): Promise<void> {
    if (this.blocked) {
      await this.blocked;
      this.blocked = undefined;
    }
  }
}

async function* throttled<T>(source: AsyncIterable<T>, writer: BufferedWriter): AsyncGenerator<T> {
  for await (const item of source) {
    await writer.drained();
    yield item;
  }
}

/** Offset just after the first newline at or after `offset` (file size when there is none). */
async function nextLineStart(path: string, offset: number): Promise<number> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    for (let position = offset; ; position += buffer.length) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return position;
      const newline = buffer.subarray(0, bytesRead).indexOf(10);
      if (newline !== -1) return position + newline + 1;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Starts the range worker. Under tsx (sources run as .ts) the worker first registers tsx's loader,
 * since worker threads do not inherit it.
 */
function startRangeWorker(job: RangeJob): Worker {
  const ownUrl = import.meta.url;
  if (ownUrl.endsWith(".ts")) {
    const workerUrl = new URL("./estimate-worker.ts", ownUrl).href;
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(workerUrl)}); })`;
    return new Worker(bootstrap, { eval: true, workerData: job });
  }
  return new Worker(new URL("./estimate-worker.js", ownUrl), { workerData: job });
}

function runRangeInWorker(job: RangeJob): Promise<RangeResult> {
  return new Promise((resolve) => {
    const worker = startRangeWorker(job);
    worker.once("message", (result: RangeResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once("error", (error) =>
      resolve({ ok: false, boundary: false, message: error.message }),
    );
  });
}

/**
 * Two halves on two threads: the main thread estimates the first half while a worker estimates the
 * second; the halves meet at a line start. Returns undefined (caller reads the file in one piece) when
 * a quoted field spans the meeting point or the worker cannot run.
 */
export async function aggregateInTwoHalves(
  file: BillingFile,
  format: BillingFormat,
  settings: PipelineSettings,
): Promise<AggregateSnapshot | undefined> {
  const size = (await stat(file.path)).size;
  const dataStart = await csvDataStartOffset(file.path);
  const middle = await nextLineStart(file.path, dataStart + Math.floor((size - dataStart) / 2));
  if (middle <= dataStart || middle >= size) return undefined;
  const job = (start: number, end: number): RangeJob => ({
    path: file.path,
    format,
    header: file.columns,
    start,
    end,
    settings,
  });
  const [first, second] = await Promise.all([
    aggregateRange(job(dataStart, middle)),
    runRangeInWorker(job(middle, size)),
  ]);
  if (!first.ok) {
    if (first.boundary) return undefined;
    throw new BillingFileError(first.message);
  }
  if (!second.ok) {
    if (second.boundary || /Unknown file extension|Cannot find module|ERR_/.test(second.message))
      return undefined;
    throw new BillingFileError(second.message);
  }
  // Line numbers: the header is line 1, the first half starts on line 2.
  return mergeSnapshots([first.snapshot, second.snapshot], [1, first.nextLineNumber]);
}

async function estimateFile(
  path: string,
  options: ReturnType<typeof parseCommandLine> & { help: false },
  io: Io,
): Promise<number> {
  const settings: PipelineSettings = {
    profile: options.profile,
    grouping: options.grouping,
    includeResourceIds: options.grouping === "row",
  };
  const { file, format } = await openBillingSource(
    path,
    options.format ? { format: options.format } : {},
  );
  const classifier: RowClassifier = classifierFor(format, file.columns, settings);
  const lineWord = file.kind === "parquet" ? "row" : "line";
  const context = { file: path, format, profile: options.profile, lineWord };

  if (options.grouping === "row") {
    const writer = new BufferedWriter(io.stdout);
    if (options.output === "csv") writer.write(`${rowCsvHeader}\n`);
    if (options.output === "table") writer.write(`${rowTableHeader}\n`);
    const formatLine =
      options.output === "json"
        ? lineAsJson
        : options.output === "csv"
          ? lineAsCsv
          : lineAsTableRow;
    const snapshot = await aggregateWholeFile(
      { ...file, batches: (readOptions) => throttled(file.batches(readOptions), writer) },
      classifier,
      settings,
      (result: LineResult) => writer.write(`${formatLine(result)}\n`),
    );
    writer.flush();
    await writer.drained();
    io.stderr.write(summaryText(snapshot, context));
    return 0;
  }

  let snapshot: AggregateSnapshot | undefined;
  const canSplit =
    file.kind === "csv" &&
    !file.gzipped &&
    availableParallelism() > 1 &&
    (await stat(path)).size >= PARALLEL_MIN_BYTES;
  if (canSplit) snapshot = await aggregateInTwoHalves(file, format, settings);
  snapshot ??= await aggregateWholeFile(file, classifier, settings);

  if (options.output === "json") {
    io.stdout.write(groupsAsJson(snapshot, context));
  } else if (options.output === "csv") {
    io.stdout.write(groupsAsCsv(snapshot));
    io.stderr.write(summaryText(snapshot, context));
  } else {
    io.stdout.write(groupsAsTable(snapshot));
    io.stderr.write(summaryText(snapshot, context));
  }
  return 0;
}

/** `canopy estimate <file>`: exit 0 ok, 1 file unreadable, 2 usage error. */
export async function run(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let options: ReturnType<typeof parseCommandLine>;
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`canopy estimate: ${message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(usage);
    return 0;
  }
  try {
    return await estimateFile(options.path, options, io);
  } catch (error) {
    if (error instanceof BillingFileError) {
      io.stderr.write(`canopy estimate: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
