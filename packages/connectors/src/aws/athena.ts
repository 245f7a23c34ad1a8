import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
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
 * `billingAccountId`) × line item type ×
 * service × usage type × region × instance type (plus the unit and size columns the classifier reads),
 * with `element_at` for the optional `product` map keys (a missing key is NULL, not an error).
 * Output columns carry CUR 2.0 names so the CUR classifier reads them as they are.
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
       element_at(product, 'instance_type') AS product_instance_type,
       element_at(product, 'vcpu') AS product_vcpu,
       element_at(product, 'memory') AS product_memory,
       pricing_unit,
       line_item_currency_code,
       sum(line_item_usage_amount) AS line_item_usage_amount,
       sum(line_item_unblended_cost) AS line_item_unblended_cost
FROM "${scope.database}"."${scope.table}"
WHERE billing_period IN (${periods})
  AND line_item_usage_start_date >= ${athenaTimestamp(window.start)}
  AND line_item_usage_start_date < ${athenaTimestamp(window.end)}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13`;
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

/** Starts a query, waits for it with growing polls, and returns its id; throws ConnectorErrors. */
export async function runAthenaQuery(
  config: AwsConnectorConfig,
  clients: AwsClients,
  scope: AthenaScope,
  sql: string,
): Promise<string> {
  const started = await callAws(config, "athena:StartQueryExecution", () =>
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
    const execution = await callAws(config, "athena:GetQueryExecution", () =>
      clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
    );
    const status = execution.QueryExecution?.Status;
    if (status?.State === "SUCCEEDED") return id;
    if (status?.State === "FAILED" || status?.State === "CANCELLED") {
      throw failedQueryError(status.StateChangeReason ?? status.State);
    }
    if (Date.now() > deadline)
      throw new ConnectorError("transient", `The Athena query ${id} did not finish in time`);
    await sleepMs(delay);
    delay = Math.min(2000, delay * 1.5);
  }
}

/**
 * Pages GetQueryResults with NextToken and yields each data row as { column name: text }. NULL cells
 * come back without a VarCharValue and become "". The header row Athena puts first on the first page is
 * skipped.
 */
export async function* athenaRows(
  config: AwsConnectorConfig,
  clients: AwsClients,
  queryExecutionId: string,
): AsyncGenerator<{ columns: string[]; rows: Record<string, string>[] }> {
  let nextToken: string | undefined;
  let columns: string[] | undefined;
  let first = true;
  do {
    const page = await callAws(config, "athena:GetQueryResults", () =>
      clients.athena.send(
        new GetQueryResultsCommand({
          QueryExecutionId: queryExecutionId,
          MaxResults: Math.min(1000, config.pageSize ?? 1000),
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      ),
    );
    columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? "");
    const rows: Record<string, string>[] = [];
    const pageRows = page.ResultSet?.Rows ?? [];
    for (let i = 0; i < pageRows.length; i++) {
      const data = pageRows[i]?.Data ?? [];
      if (first && i === 0 && data.every((cell, index) => cell.VarCharValue === columns?.[index]))
        continue;
      const row: Record<string, string> = {};
      for (let c = 0; c < columns.length; c++)
        row[columns[c] as string] = data[c]?.VarCharValue ?? "";
      rows.push(row);
    }
    first = false;
    yield { columns, rows };
    nextToken = page.NextToken;
  } while (nextToken);
}
