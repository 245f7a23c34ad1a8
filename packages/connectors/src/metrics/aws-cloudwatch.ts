import {
  CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { ConnectorError, sleepMs } from "../live/errors";
import { athenaResultRows, billingPeriodsOf, runAthenaQuery } from "../aws/athena";
import { callAws, destroyAwsClients, openAwsClients, type AwsClients } from "../aws/clients";
import type { AwsConnectorConfig } from "../aws/config";
import {
  countCall,
  countSkipped,
  fractionOfPercent,
  hourAligned,
  type MeasuredHour,
  type MeteredResource,
  failedCheck,
  type UtilizationReader,
  type UtilizationSummary,
  type UtilizationWindow,
} from "./types";

/**
 * GetMetricData limits (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html):
 * "You can include up to 500 MetricDataQuery structures in one request"; results past `MaxDatapoints`
 * (default 100,800) come in further pages by `NextToken`. The call's default quota is 50 transactions
 * per second per Region (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html).
 */
export const MAX_METRIC_DATA_QUERIES = 500;
/** One-hour periods; EC2's CPUUtilization is kept at that resolution for 455 days (same page: retention). */
export const CLOUDWATCH_PERIOD_SECONDS = 3600;

type AthenaScope = Extract<AwsConnectorConfig["scope"], { source: "athena" }>;

const athenaTimestamp = (d: Date) =>
  `TIMESTAMP '${d.toISOString().slice(0, 19).replace("T", " ")}'`;

/**
 * The EC2 instances the CUR bills in the window, one row per account × region × instance × type:
 * stored usage is summed without resource ids (usage_hourly has none), so the bill is asked again,
 * aggregated in Athena. `product_instance_type` and `product_region_code` are static CUR 2.0 columns.
 */
export function billedInstancesQuery(scope: AthenaScope, window: UtilizationWindow): string {
  const periods = billingPeriodsOf(window)
    .map((p) => `'${p}'`)
    .join(", ");
  return `SELECT line_item_usage_account_id,
       product_region_code,
       line_item_resource_id,
       product_instance_type
FROM "${scope.database}"."${scope.table}"
WHERE billing_period IN (${periods})
  AND line_item_usage_start_date >= ${athenaTimestamp(window.start)}
  AND line_item_usage_start_date < ${athenaTimestamp(window.end)}
  AND line_item_product_code = 'AmazonEC2'
  AND line_item_resource_id LIKE 'i-%'
  AND product_instance_type <> ''
GROUP BY 1, 2, 3, 4`;
}

/** The account a role ARN belongs to: CloudWatch answers for that account only. */
const accountOfRole = (roleArn: string) => /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(roleArn)?.[1];

/** `m0`, `m1`…: GetMetricData ids must start with a lower-case letter (API reference, MetricDataQuery.Id). */
const queryId = (i: number) => `m${i}`;

/**
 * CloudWatch `AWS/EC2` `CPUUtilization` (percent, per instance) as hourly `Average`s, through
 * GetMetricData: up to 500 instances per call, `NextToken` pages, calls paced `minCallIntervalMs`
 * apart, throttling retried by `withBackoff` (the SDK's own retries are off). Instances come from the
 * CUR through Athena, so a Cost Explorer-only connection has no instance ids to ask for.
 */
export async function createCloudWatchReader(
  config: AwsConnectorConfig,
): Promise<UtilizationReader> {
  const scope = config.scope;
  if (scope.source !== "athena")
    throw new ConnectorError(
      "query",
      "Measured utilization needs the CUR 2.0 table in Athena: Cost Explorer has no instance ids, so there is nothing to ask CloudWatch for. Connect the CUR (Athena) to use measured utilization.",
    );
  const clients: AwsClients = await openAwsClients(config);
  const minIntervalMs = config.metrics?.minCallIntervalMs ?? 100;
  const perCall = Math.min(
    MAX_METRIC_DATA_QUERIES,
    config.metrics?.queriesPerCall ?? MAX_METRIC_DATA_QUERIES,
  );
  const sleep = config.backoff?.sleep ?? sleepMs;
  const ownAccount = accountOfRole(config.credentials.roleArn);
  // One client per region, rebuilt after the session was renewed (its identity is memoized).
  let built: { sessions: number; byRegion: Map<string, CloudWatchClient> } = {
    sessions: clients.sessions(),
    byRegion: new Map(),
  };
  const cloudWatch = (region: string) => {
    if (built.sessions !== clients.sessions()) {
      for (const c of built.byRegion.values()) c.destroy();
      built = { sessions: clients.sessions(), byRegion: new Map() };
    }
    let client = built.byRegion.get(region);
    if (!client) {
      client = new CloudWatchClient({
        region,
        credentials: clients.credentials,
        maxAttempts: 1,
        ...(config.endpoints?.cloudwatch ? { endpoint: config.endpoints.cloudwatch } : {}),
      });
      built.byRegion.set(region, client);
    }
    return client;
  };
  let lastCallAt = 0;
  const paced = async () => {
    const wait = lastCallAt + minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastCallAt = Date.now();
  };

  return {
    source: "aws-cloudwatch",
    async listResources(window, providerAccountIds, summary) {
      const aligned = hourAligned(window);
      const wanted = new Set(providerAccountIds);
      const before = { ...clients.calls };
      const result = await runAthenaQuery(clients, scope, billedInstancesQuery(scope, aligned));
      const out: MeteredResource[] = [];
      for await (const batch of athenaResultRows(clients, result)) {
        for (const { row, error } of batch) {
          if (error) continue;
          const account = String(row["line_item_usage_account_id"] ?? "");
          const resource: MeteredResource = {
            providerAccountId: account,
            region: String(row["product_region_code"] ?? ""),
            resourceId: String(row["line_item_resource_id"] ?? ""),
            instanceType: String(row["product_instance_type"] ?? ""),
          };
          if (wanted.size > 0 && !wanted.has(account)) continue;
          // Without cross-account observability, CloudWatch in the role's account sees its own instances only.
          if (ownAccount && account !== ownAccount) {
            countSkipped(
              summary,
              "instance of another account (CloudWatch answers for the role's account)",
            );
            continue;
          }
          if (!resource.region) {
            countSkipped(summary, "no region in the bill");
            continue;
          }
          out.push(resource);
        }
      }
      for (const [action, n] of Object.entries(clients.calls))
        summary.apiCalls[action] = (summary.apiCalls[action] ?? 0) + n - (before[action] ?? 0);
      return out;
    },

    async *readCpuUtilizationHourly(resources, window, summary) {
      const aligned = hourAligned(window);
      const byRegion = new Map<string, MeteredResource[]>();
      for (const r of resources) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);
      for (const [region, list] of byRegion) {
        for (let i = 0; i < list.length; i += perCall) {
          const chunk = list.slice(i, i + perCall);
          yield await readChunk(region, chunk, aligned, summary);
        }
      }
    },

    async checkAccess() {
      const permission = "cloudwatch:GetMetricData";
      const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
      try {
        await callAws(clients, permission, () =>
          cloudWatch(scope.region).send(
            new GetMetricDataCommand({
              MetricDataQueries: [
                {
                  Id: "probe",
                  MetricStat: {
                    Metric: { Namespace: "AWS/EC2", MetricName: "CPUUtilization" },
                    Period: CLOUDWATCH_PERIOD_SECONDS,
                    Stat: "Average",
                  },
                },
              ],
              StartTime: new Date(end.getTime() - 3_600_000),
              EndTime: end,
            }),
          ),
        );
        return {
          permission,
          status: "passed",
          message: `CloudWatch answered GetMetricData in ${scope.region}: measured CPU utilization of the billed EC2 instances will replace the default`,
          required: false,
        };
      } catch (error) {
        return failedCheck(permission, error);
      }
    },

    async close() {
      for (const c of built.byRegion.values()) c.destroy();
      destroyAwsClients(clients);
    },
  };

  async function readChunk(
    region: string,
    chunk: MeteredResource[],
    window: UtilizationWindow,
    summary: UtilizationSummary,
  ): Promise<MeasuredHour[]> {
    const queries: MetricDataQuery[] = chunk.map((r, i) => ({
      Id: queryId(i),
      MetricStat: {
        Metric: {
          Namespace: "AWS/EC2",
          MetricName: "CPUUtilization",
          Dimensions: [{ Name: "InstanceId", Value: r.resourceId }],
        },
        Period: CLOUDWATCH_PERIOD_SECONDS,
        Stat: "Average",
        Unit: "Percent",
      },
      ReturnData: true,
    }));
    const out: MeasuredHour[] = [];
    const seen = new Set<number>();
    let nextToken: string | undefined;
    do {
      await paced();
      countCall(summary, "cloudwatch:GetMetricData");
      // CloudWatch bills GetMetricData per metric requested (https://aws.amazon.com/cloudwatch/pricing/).
      summary.apiCalls["cloudwatch:GetMetricData metrics"] =
        (summary.apiCalls["cloudwatch:GetMetricData metrics"] ?? 0) + queries.length;
      const page = await callAws(clients, "cloudwatch:GetMetricData", () =>
        cloudWatch(region).send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: window.start,
            EndTime: window.end,
            ScanBy: "TimestampAscending",
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      for (const result of page.MetricDataResults ?? []) {
        const index = Number((result.Id ?? "").slice(1));
        const resource = chunk[index];
        if (!resource) continue;
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        timestamps.forEach((t, k) => {
          const value = values[k];
          const hour = new Date(t);
          if (value === undefined || !Number.isFinite(value)) return;
          if (hour < window.start || hour >= window.end) return;
          seen.add(index);
          out.push({ ...resource, hour, cpuUtilization: fractionOfPercent(value) });
        });
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    countSkipped(summary, "no datapoints in the window", chunk.length - seen.size);
    return out;
  }
}
