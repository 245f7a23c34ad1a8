import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { GenerateCostDetailsReportRequestDefinition } from "@azure/arm-costmanagement";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type HttpClient,
} from "@azure/core-rest-pipeline";
import type { UsageRecord } from "@canopy/methodology";
import { lookupInstanceType } from "@canopy/methodology";
import { createAzureClassifier, type RowClassifier } from "../classify";
import { readCsvChunkBatches } from "../files/read-csv";
import { ConnectorError, sleepMs, withBackoff, type BackoffOptions } from "../live/errors";
import {
  recordsOfOutcome,
  type FetchSummary,
  type FetchUsageOptions,
  type UsageWindow,
} from "../live/types";
import { azureRetryAfterMs, CostDetailsTooLargeError } from "./azure-errors";
import { COST_DETAILS_API_VERSION, COST_DETAILS_REPORT_ACTION } from "./config";

/** One Cost Details API call covers at most one month: `start`/`end` are inclusive dates (YYYY-MM-DD). */
export type CostDetailsPeriod = { start: string; end: string };

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The window cut at UTC month boundaries, as the Cost Details API's inclusive date ranges. */
export function monthPeriods(window: UsageWindow): CostDetailsPeriod[] {
  const out: CostDetailsPeriod[] = [];
  let start = window.start.getTime();
  const end = window.end.getTime();
  while (start < end) {
    const d = new Date(start);
    const nextMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const pieceEnd = Math.min(end, nextMonth);
    out.push({ start: isoDate(start), end: isoDate(pieceEnd - 1) });
    start = pieceEnd;
  }
  return out;
}

/**
 * The two halves of an inclusive date range (the first gets the shorter half), or undefined for a
 * single day, which cannot be split further.
 */
export function splitPeriod(
  period: CostDetailsPeriod,
): [CostDetailsPeriod, CostDetailsPeriod] | undefined {
  const day = 86_400_000;
  const start = Date.parse(`${period.start}T00:00:00Z`);
  const end = Date.parse(`${period.end}T00:00:00Z`);
  const days = Math.round((end - start) / day) + 1;
  if (!(days > 1)) return undefined;
  const second = start + Math.floor(days / 2) * day;
  return [
    { start: period.start, end: isoDate(second - day) },
    { start: isoDate(second), end: period.end },
  ];
}

/** A SAS URL fit for messages: host and path only (the query string carries the signature). */
export function redactedBlobUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return "(unparseable blob URL)";
  }
}

/** Any `sig=` value in free text (an error message that quotes a URL) replaced. */
export const withoutSignatures = (text: string) =>
  text.replace(/([?&]sig=)[^&\s"']*/gi, "$1REDACTED");

/** What the Cost Details path needs from the connector: ARM requests through the SDK client's pipeline, retried by our backoff. */
export type CostDetailsContext = {
  /** A request through the Cost Management client's pipeline (its credential, its transport); throws RestError on >= 400. */
  arm(
    method: "GET" | "POST",
    url: string,
    body?: unknown,
  ): Promise<{ status: number; headers: { get(name: string): string | undefined }; body: unknown }>;
  /** `withBackoff` + error mapping, as the Query path uses it. */
  call<T>(action: string, scope: string | undefined, run: () => Promise<T>): Promise<T>;
  armEndpoint: string;
  /** Transport for the blob downloads (never the ARM pipeline: the SAS URL is the only credential sent). */
  httpClient?: HttpClient | undefined;
  backoff?: BackoffOptions | undefined;
  defaultPollMs?: number | undefined;
  maxWaitMs?: number | undefined;
  /** A blob download that sends nothing for this long fails (default 2 minutes), so a hung connection cannot hold the job forever. */
  stallMs?: number | undefined;
};

const retryAfterMsOf = (headers: { get(name: string): string | undefined }) => {
  const value = headers.get("retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
};

/** The URL of the POST that starts a report for `scope`. */
export const costDetailsReportUrl = (armEndpoint: string, scope: string) =>
  `${armEndpoint}/${scope.replace(/^\/+/, "")}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=${COST_DETAILS_API_VERSION}`;

/**
 * Starts a cost details report (202 + Location + Retry-After), polls the Location until the operation
 * result comes back (200), and returns it. Throttling on the POST or a poll is retried by our backoff
 * (Cost Management's x-ms-ratelimit-*-retry-after headers); a Failed report is a `query` error.
 */
export async function generateCostDetailsReport(
  context: CostDetailsContext,
  scope: string,
  period: CostDetailsPeriod,
): Promise<RawOperationResult> {
  const body: GenerateCostDetailsReportRequestDefinition = {
    metric: "ActualCost",
    timePeriod: period,
  };
  const sleep = context.backoff?.sleep ?? sleepMs;
  const defaultPollMs = context.defaultPollMs ?? 10_000;
  const maxWaitMs = context.maxWaitMs ?? 60 * 60_000;
  const armOrigin = new URL(context.armEndpoint).origin;
  const what = `The cost details report for ${scope} (${period.start} to ${period.end})`;

  let response = await context.call(COST_DETAILS_REPORT_ACTION, scope, () =>
    context.arm("POST", costDetailsReportUrl(context.armEndpoint, scope), body),
  );
  let location: string | undefined;
  let waited = 0;
  for (;;) {
    if (response.status === 204) return { status: "NoDataFound" };
    if (response.status === 200 || response.status === 201) {
      const result = response.body as RawOperationResult;
      const status = (result.status ?? "Completed").toLowerCase();
      if (status === "failed") {
        const reason = result.error?.message ?? result.error?.code ?? "no reason given";
        throw new ConnectorError(
          "query",
          `${what} failed in Azure: ${withoutSignatures(reason)}${result.error?.code ? ` (${result.error.code})` : ""}. Try a shorter window or the Query API source (usageSource "query").`,
        );
      }
      if (status === "completed" || status === "nodatafound")
        return { ...result, status: result.status ?? "Completed" };
      // Anything else (InProgress…) with 200: keep polling the same Location.
    } else if (response.status !== 202) {
      throw new ConnectorError(
        "transient",
        `${what}: unexpected HTTP ${response.status} from Azure`,
      );
    }
    location = response.headers.get("location") ?? location;
    if (!location)
      throw new ConnectorError(
        "transient",
        `${what}: Azure answered ${response.status} without a Location to poll`,
      );
    // The bearer token goes with the poll: only ever to ARM itself.
    if (new URL(location, context.armEndpoint).origin !== armOrigin)
      throw new ConnectorError(
        "transient",
        `${what}: Azure pointed the poll at another host (${new URL(location, context.armEndpoint).host})`,
      );
    const delay = retryAfterMsOf(response.headers) ?? defaultPollMs;
    if (waited + delay > maxWaitMs)
      throw new ConnectorError(
        "transient",
        `${what} was still running after ${Math.round(waited / 1000)} s; the sync will try again`,
      );
    await sleep(delay);
    waited += delay;
    const pollUrl = new URL(location, context.armEndpoint).toString();
    response = await context.call(COST_DETAILS_REPORT_ACTION, scope, () =>
      context.arm("GET", pollUrl),
    );
  }
}

/** The operation result as on the wire (the SDK's model flattens `manifest`; we read the raw JSON). */
type RawManifest = {
  compressData?: boolean;
  dataFormat?: string;
  blobs?: { blobLink?: string; byteCount?: number }[];
};
type RawOperationResult = {
  status?: string;
  manifest?: RawManifest;
  error?: { code?: string; message?: string };
};

/** The blob's bytes, streamed from the response (never buffered whole), gunzipped when the manifest says so. */
async function* blobChunks(
  context: CostDetailsContext,
  blobLink: string,
  gzipped: boolean,
  label: string,
): AsyncGenerator<Buffer> {
  const client = context.httpClient ?? createDefaultHttpClient();
  const response = await withBackoff(
    async () => {
      const request = createPipelineRequest({
        url: blobLink,
        method: "GET",
        headers: createHttpHeaders({ accept: "text/csv, application/octet-stream" }),
        streamResponseStatusCodes: new Set([200]),
      });
      const r = await client.sendRequest(request);
      if (r.status !== 200) {
        const code = /<Code>([^<]+)<\/Code>/.exec(r.bodyAsText ?? "")?.[1];
        throw new RestError(`HTTP ${r.status}${code ? ` ${code}` : ""}`, {
          statusCode: r.status,
          ...(code ? { code } : {}),
          response: r,
        });
      }
      return r;
    },
    azureRetryAfterMs,
    context.backoff,
  ).catch((error: unknown) => {
    const e = error as { statusCode?: number; message?: string };
    const hint =
      e.statusCode === 403 || e.statusCode === 404
        ? " (the download link may have expired; the next sync generates a new report)"
        : "";
    // No cause attached: the pipeline error holds the request, and with it the signature.
    throw new ConnectorError(
      "transient",
      `Downloading the cost details file ${label} failed: ${withoutSignatures(e.message ?? String(error))}${hint}`,
    );
  });
  const stream = response.readableStreamBody as Readable | undefined;
  if (!stream)
    throw new ConnectorError(
      "transient",
      `The cost details file ${label} came back without a body`,
    );
  const source: Readable = gzipped ? stream.pipe(createGunzip()) : stream;
  if (gzipped) stream.on("error", (error) => source.destroy(error));
  const stallMs = context.stallMs ?? 120_000;
  let stalled: NodeJS.Timeout | undefined;
  const watch = () => {
    clearTimeout(stalled);
    stalled = setTimeout(
      () => stream.destroy(new Error(`no data for ${stallMs / 1000} s`)),
      stallMs,
    );
  };
  try {
    watch();
    for await (const chunk of source) {
      watch();
      yield chunk as Buffer;
    }
  } catch (error) {
    throw new ConnectorError(
      "transient",
      `Reading the cost details file ${label} failed mid-way: ${withoutSignatures(error instanceof Error ? error.message : String(error))}`,
    );
  } finally {
    clearTimeout(stalled);
    stream.destroy();
    if (source !== stream) source.destroy();
  }
}

/**
 * Usage of one scope through the Cost Details API: one report per month of the window, each blob of
 * its manifest streamed through the Azure cost details classifier that file imports use (EA and MCA
 * headers), skipped lines counted in `summary` by reason.
 */
export async function* costDetailsUsage(
  context: CostDetailsContext,
  scope: string,
  window: UsageWindow,
  summary: FetchSummary,
  options: FetchUsageOptions,
): AsyncGenerator<UsageRecord> {
  for (const period of monthPeriods(window))
    yield* periodUsage(context, scope, period, summary, options);
}

/**
 * One period's report; a 413 (over the API's size limit) splits the period in halves, recursively
 * down to a single day, and reads each half in turn. Nothing of a period is yielded before its report
 * is ready, so a split never yields a line twice.
 */
async function* periodUsage(
  context: CostDetailsContext,
  scope: string,
  period: CostDetailsPeriod,
  summary: FetchSummary,
  options: FetchUsageOptions,
): AsyncGenerator<UsageRecord> {
  let result: RawOperationResult;
  try {
    result = await generateCostDetailsReport(context, scope, period);
  } catch (error) {
    if (!(error instanceof CostDetailsTooLargeError)) throw error;
    const halves = splitPeriod(period);
    if (!halves)
      throw new ConnectorError(
        "query",
        `The cost details of ${scope} for the single day ${period.start} are over the Cost Details API's size limit (~2 GB, ~2 million rows; Azure answered 413). Read this scope from a scheduled cost export instead, or list its subscriptions separately.`,
        { cause: error },
      );
    for (const half of halves) yield* periodUsage(context, scope, half, summary, options);
    return;
  }
  {
    const manifest = result.manifest ?? {};
    const blobs = manifest.blobs ?? [];
    const format = (manifest.dataFormat ?? "Csv").toLowerCase();
    if (blobs.length > 0 && format !== "csv")
      throw new ConnectorError(
        "query",
        `The cost details report for ${scope} came as ${manifest.dataFormat}; only CSV is read`,
      );
    for (const [index, blob] of blobs.entries()) {
      if (!blob.blobLink) continue;
      const label = `${index + 1} of ${blobs.length} for ${scope} ${period.start}..${period.end} (${redactedBlobUrl(blob.blobLink)})`;
      // The path (not the whole URL: a parse error would carry the signature) tells a .gz blob.
      const gzipped =
        manifest.compressData === true || /\.gz$/i.test(blob.blobLink.split("?")[0] ?? "");
      let classifier: RowClassifier | undefined;
      const batches = readCsvChunkBatches(
        blobChunks(context, blob.blobLink, gzipped, label),
        `cost details file ${label}`,
        {
          columnsFor: (header) => {
            try {
              classifier = createAzureClassifier(header, {
                lookupInstance: lookupInstanceType,
                includeResourceIds: false,
                source: `azure-cost-details/${period.start}/${index + 1}`,
              });
            } catch (error) {
              throw new ConnectorError(
                "query",
                `The cost details file ${label} is not an Azure cost details CSV: ${error instanceof Error ? error.message : String(error)}`,
              );
            }
            return { columns: classifier.usedColumns, numericColumns: classifier.numericColumns };
          },
        },
      );
      try {
        for await (const batch of batches) {
          const bound = classifier;
          if (!bound) continue;
          for (const { lineNumber, row, error } of batch) {
            summary.rowsRead++;
            yield* recordsOfOutcome(
              error
                ? { status: "error", message: `line ${lineNumber}: ${error}` }
                : bound.classify(row, lineNumber),
              summary,
            );
          }
          options.onProgress?.(summary.rowsRead);
        }
      } catch (error) {
        if (error instanceof ConnectorError) throw error;
        throw new ConnectorError(
          "query",
          withoutSignatures(error instanceof Error ? error.message : String(error)),
        );
      }
    }
  }
}
