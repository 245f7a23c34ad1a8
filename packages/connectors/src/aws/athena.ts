import { GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { readCsvChunkBatches } from "../files/read-csv";
import type { ReadOptions, ReadRow } from "../files/read-rows";
import { ConnectorError, sleepMs } from "../live/errors";
import type { UsageWindow } from "../live/types";
import { deniedActionOf } from "./aws-errors";
import { callAws, type AwsClients } from "./clients";
import type { AwsConnectorConfig } from "./config";

type AthenaScope = Extract<AwsConnectorConfig["scope"], { source: "athena" }>;

/** `YYYY-MM` billing periods (CUR 2.0 partitions) that a window touches. */
export function billingPeriodsOf(window: UsageWindow): string[] {
  const periods: string[] = [];
  const cursor = new Date(Date.UTC(window.start.getUTCFullYear(), window.start.getUTCMonth(), 1));
  while (cursor < window.end) {
    periods.push(`${cursor.getUTCFullYear()}-${String(cursor.getUTCMonth() + 1).padStart(2, "0")}`);
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return periods;
}

const athenaTimestamp = (d: Date) =>
  `TIMESTAMP '${d.toISOString().slice(0, 19).replace("T", " ")}'`;

/**
 * The CUR 2.0 aggregation pushed into Athena: one row per usage period × account (and its payer, for
 * `billingAccountId`) × line item type × service × usage type × region × instance type × resource ×
 * tag set (plus the unit and size columns the classifier reads). `product_instance_type` and
 * `product_region_code` are static CUR 2.0 columns; `vcpu` and `memory` exist only as keys of the
 * `product` map (`element_at`: a missing key is NULL, not an error). `resource_tags` is a
 * map<string, string>: it is selected as JSON text (a map cannot be grouped on, its JSON can), which
 * the CUR classifier reads as it reads the map of a CUR 2.0 file. Output columns carry CUR 2.0 names
 * so the classifier reads them as they are. Every column named here is in `cur2Columns`.
 */
export function curUsageQuery(scope: AthenaScope, window: UsageWindow): string {
  const periods = billingPeriodsOf(window)
    .map((p) => `'${p}'`)
    .join(", ");
  return `SELECT line_item_usage_start_date,
       line_item_usage_end_date,
       line_item_usage_account_id,
       bill_payer_account_id,
       line_item_line_item_type,
       line_item_product_code,
       line_item_usage_type,
       product_region_code,
       product_instance_type,
       element_at(product, 'vcpu') AS product_vcpu,
       element_at(product, 'memory') AS product_memory,
       pricing_unit,
       line_item_currency_code,
       line_item_resource_id,
       json_format(CAST(resource_tags AS JSON)) AS resource_tags,
       sum(line_item_usage_amount) AS line_item_usage_amount,
       sum(line_item_unblended_cost) AS line_item_unblended_cost
FROM "${scope.database}"."${scope.table}"
WHERE billing_period IN (${periods})
  AND line_item_usage_start_date >= ${athenaTimestamp(window.start)}
  AND line_item_usage_start_date < ${athenaTimestamp(window.end)}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15`;
}

/** A FAILED query's reason, mapped to the permission it most likely lacks. */
function failedQueryError(reason: string): ConnectorError {
  const action = deniedActionOf(reason);
  if (action) {
    return new ConnectorError(
      "permission",
      `The Athena query failed: ${reason}. Add "${action}" to the role's policy.`,
      {
        permission: action,
        fix: `Add "${action}" to the IAM policy attached to the role`,
      },
    );
  }
  if (/access denied|accessdenied|permission denied/i.test(reason)) {
    const permission = "s3:GetObject";
    return new ConnectorError(
      "permission",
      `The Athena query could not read the CUR data or write its results: ${reason}. Grant s3:GetObject and s3:ListBucket on the export bucket and s3:PutObject on the query result location.`,
      {
        permission,
        fix: "Add s3:GetObject, s3:ListBucket (export bucket) and s3:PutObject, s3:GetBucketLocation (results bucket)",
      },
    );
  }
  return new ConnectorError("query", `The Athena query failed: ${reason}`);
}

/** A query that SUCCEEDED: its id and the S3 object Athena wrote its result to. */
export type AthenaResult = { queryExecutionId: string; outputLocation: string };

/** Starts a query, waits for it with growing polls, and returns its result location; throws ConnectorErrors. */
export async function runAthenaQuery(
  clients: AwsClients,
  scope: AthenaScope,
  sql: string,
): Promise<AthenaResult> {
  const config = clients.config;
  const started = await callAws(clients, "athena:StartQueryExecution", () =>
    clients.athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        QueryExecutionContext: { Database: scope.database },
        ...(scope.workGroup ? { WorkGroup: scope.workGroup } : {}),
        ...(scope.outputLocation
          ? { ResultConfiguration: { OutputLocation: scope.outputLocation } }
          : {}),
      }),
    ),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new ConnectorError("transient", "Athena returned no query execution id");
  const deadline = Date.now() + (config.queryTimeoutMs ?? 15 * 60_000);
  let delay = config.pollIntervalMs ?? 300;
  for (;;) {
    const execution = await callAws(clients, "athena:GetQueryExecution", () =>
      clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
    );
    const status = execution.QueryExecution?.Status;
    if (status?.State === "SUCCEEDED") {
      const outputLocation = execution.QueryExecution?.ResultConfiguration?.OutputLocation;
      if (!outputLocation)
        throw new ConnectorError(
          "query",
          `The Athena query ${id} succeeded without a result location: set an output location on the workgroup or in the connection`,
        );
      return { queryExecutionId: id, outputLocation };
    }
    if (status?.State === "FAILED" || status?.State === "CANCELLED") {
      throw failedQueryError(status.StateChangeReason ?? status.State);
    }
    if (Date.now() > deadline)
      throw new ConnectorError("transient", `The Athena query ${id} did not finish in time`);
    await sleepMs(delay);
    delay = Math.min(2000, delay * 1.5);
  }
}

/** `s3://bucket/key` → its parts; throws a `query` error for anything else. */
export function s3ObjectOf(uri: string): { Bucket: string; Key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new ConnectorError("query", `Not an S3 object location: ${uri}`);
  return { Bucket: m[1]!, Key: m[2]! };
}

/**
 * The query's result, read as the CSV object Athena wrote to `OutputLocation` (one S3 GetObject,
 * streamed through the file importer's CSV splitter) instead of GetQueryResults pages of at most
 * 1,000 rows. Yields batches of { column name: text } rows; `columnsFor` picks the columns to decode
 * from the header (the classifier's). NULL cells are empty fields and read as "".
 */
export async function* athenaResultRows(
  clients: AwsClients,
  result: AthenaResult,
  columnsFor?: (header: string[]) => Pick<ReadOptions, "columns" | "numericColumns">,
): AsyncGenerator<ReadRow[]> {
  const object = s3ObjectOf(result.outputLocation);
  const response = await callAws(clients, "s3:GetObject", () =>
    clients.s3.send(new GetObjectCommand(object)),
  );
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  if (!body)
    throw new ConnectorError(
      "transient",
      `Athena's result ${result.outputLocation} came back empty`,
    );
  const chunks = (async function* () {
    for await (const chunk of body) yield Buffer.from(chunk);
  })();
  try {
    yield* readCsvChunkBatches(chunks, `Athena result of ${result.queryExecutionId}`, {
      ...(columnsFor ? { columnsFor } : {}),
    });
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw new ConnectorError(
      "transient",
      `Reading Athena's result ${result.outputLocation} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
