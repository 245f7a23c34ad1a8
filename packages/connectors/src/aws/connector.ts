import { GetCostAndUsageCommand } from "@aws-sdk/client-cost-explorer";
import { ListAccountsCommand, type ListAccountsCommandOutput } from "@aws-sdk/client-organizations";
import { lookupInstanceType, type UsageRecord } from "@canopy/methodology";
import { createCurClassifier, type RowClassifier } from "../classify";
import { ConnectorError } from "../live/errors";
import {
  emptyFetchSummary,
  type DiscoveredAccount,
  type FetchSummary,
  type FetchUsageOptions,
  type LiveConnector,
  type ReportedCarbon,
  monthStartOf,
  type PermissionCheck,
  type UsageWindow,
  recordsOfOutcome,
} from "../live/types";
import { athenaResultRows, billingPeriodsOf, curUsageQuery, runAthenaQuery } from "./athena";
import { callAws, destroyAwsClients, openAwsClients, type AwsClients } from "./clients";
import type { AwsConnectorConfig } from "./config";
import { COST_EXPLORER_USD_PER_REQUEST, costExplorerRows } from "./cost-explorer";
import { checkManifestsAfterRead, manifestsBeforeRead } from "./cur-refresh";
import { sustainabilityCarbon } from "./sustainability";

export type AwsConnector = LiveConnector & {
  readonly resolution: FetchSummary["resolution"];
  /** The month's figures from the Sustainability API and/or the CARBON_EMISSIONS export, MTCO2e converted to kg. */
  fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]>;
};

async function withClients<T>(
  config: AwsConnectorConfig,
  use: (clients: AwsClients) => Promise<T>,
): Promise<T> {
  const clients = await openAwsClients(config);
  try {
    return await use(clients);
  } finally {
    destroyAwsClients(clients);
  }
}

function checkOf(permission: string, required: boolean, error: unknown): PermissionCheck {
  if (error instanceof ConnectorError) {
    const named = error.permission ?? permission;
    return {
      permission: named,
      status: "failed",
      message: error.message,
      required,
      ...(error.fix ? { fix: error.fix } : {}),
    };
  }
  return { permission, status: "failed", message: (error as Error).message, required };
}

/**
 * The AWS connector for one account: assumes the role with its external id, then reads CUR 2.0
 * through Athena (hourly) or Cost Explorer (daily quick start); Organizations lists linked accounts.
 */
export function createAwsConnector(config: AwsConnectorConfig): AwsConnector {
  const resolution = config.scope.source === "athena" ? "hourly" : "daily";

  /** One probe per permission the connection uses, in order; a failed trust skips the rest. */
  async function validate(): Promise<PermissionCheck[]> {
    const checks: PermissionCheck[] = [];
    let clients: AwsClients;
    try {
      clients = await openAwsClients(config);
      checks.push({
        permission: "sts:AssumeRole",
        status: "passed",
        message: `Assumed ${config.credentials.roleArn} with the external id`,
        required: true,
      });
    } catch (error) {
      // Not reaching AWS at all says nothing about the role: the caller reports it as its own outcome.
      if (error instanceof ConnectorError && error.kind === "network") throw error;
      checks.push(checkOf("sts:AssumeRole", true, error));
      return checks;
    }
    try {
      const scope = config.scope;
      if (scope.source === "athena") {
        const now = new Date();
        const probe = `SELECT line_item_usage_start_date FROM "${scope.database}"."${scope.table}" WHERE billing_period = '${billingPeriodsOf({ start: now, end: new Date(now.getTime() + 1) })[0]}' LIMIT 1`;
        try {
          const result = await runAthenaQuery(clients, scope, probe);
          checks.push({
            permission: "athena:StartQueryExecution",
            status: "passed",
            message: "Started a query on the CUR table",
            required: true,
          });
          checks.push({
            permission: "athena:GetQueryExecution",
            status: "passed",
            message: "The query ran: the CUR table and its S3 data are readable",
            required: true,
          });
          try {
            for await (const batch of athenaResultRows(clients, result)) void batch;
            checks.push({
              permission: "s3:GetObject",
              status: "passed",
              message: `Read the query's result object (${result.outputLocation})`,
              required: true,
            });
          } catch (error) {
            const check = checkOf("s3:GetObject", true, error);
            checks.push({
              ...check,
              fix:
                check.fix ??
                `Allow s3:GetObject on the query result location (${result.outputLocation.replace(/[^/]+$/, "*")})`,
            });
          }
        } catch (error) {
          if (error instanceof ConnectorError && error.kind === "network") throw error;
          checks.push(checkOf("athena:StartQueryExecution", true, error));
        }
        if (scope.exportLocation) {
          try {
            const [period = ""] = billingPeriodsOf({
              start: now,
              end: new Date(now.getTime() + 1),
            });
            const manifests = await manifestsBeforeRead(clients, scope.exportLocation, [period]);
            checks.push(
              manifests.get(period)
                ? {
                    permission: "s3:ListBucket",
                    status: "passed",
                    message: `Found the export's Manifest.json for ${period} under ${scope.exportLocation}: refreshes in progress are detected`,
                    required: false,
                  }
                : {
                    permission: "s3:ListBucket",
                    status: "failed",
                    message: `No Manifest.json for ${period} under ${scope.exportLocation}/metadata/: Canopy cannot tell when AWS is refreshing the export, so a sync during a refresh could read a mix of old and new files.`,
                    fix: "Give the export's bucket, prefix and name exactly as in Data Exports (the name defaults to canopy-cur2)",
                    required: false,
                  },
            );
          } catch (error) {
            const check = checkOf("s3:ListBucket", false, error);
            // A refresh under way right now is not a failed permission.
            checks.push(
              error instanceof ConnectorError && error.kind === "transient"
                ? { ...check, status: "passed", message: error.message }
                : check,
            );
          }
        }
      } else {
        const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
        const next = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
        try {
          await callAws(clients, "ce:GetCostAndUsage", () =>
            clients.costExplorer.send(
              new GetCostAndUsageCommand({
                TimePeriod: { Start: day, End: next },
                Granularity: "DAILY",
                Metrics: ["UnblendedCost"],
              }),
            ),
          );
          checks.push({
            permission: "ce:GetCostAndUsage",
            status: "passed",
            message: `Read one day of costs (daily resolution; each Cost Explorer request costs USD ${COST_EXPLORER_USD_PER_REQUEST})`,
            required: true,
          });
        } catch (error) {
          if (error instanceof ConnectorError && error.kind === "network") throw error;
          checks.push(checkOf("ce:GetCostAndUsage", true, error));
        }
      }
      try {
        await callAws(clients, "organizations:ListAccounts", () =>
          clients.organizations.send(new ListAccountsCommand({ MaxResults: 1 })),
        );
        checks.push({
          permission: "organizations:ListAccounts",
          status: "passed",
          message: "Can list the organization's accounts",
          required: false,
        });
      } catch (error) {
        const check = checkOf("organizations:ListAccounts", false, error);
        // Not the management account, or no Organizations permission: only discovery is lost.
        checks.push({
          ...check,
          message: `${check.message} Linked accounts will not be discovered; usage is still read.`,
        });
      }
      if (config.sustainabilityCarbon !== false) {
        const now = new Date();
        const lastMonth = monthStartOf(
          new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)),
        );
        try {
          const figures = await sustainabilityCarbon(clients, lastMonth);
          checks.push({
            permission: "sustainability:GetEstimatedCarbonEmissions",
            status: "passed",
            message: `Read AWS's own carbon figures for ${lastMonth.slice(0, 7)} (${figures.length} figure(s); AWS publishes a month a few weeks after it ends)`,
            required: false,
          });
        } catch (error) {
          const check = checkOf("sustainability:GetEstimatedCarbonEmissions", false, error);
          checks.push({
            ...check,
            message: `${check.message} Reconciliation will lack AWS's own figures${config.carbonExport ? " except those of the CARBON_EMISSIONS export" : ""}; usage is still read.`,
          });
        }
      }
    } finally {
      destroyAwsClients(clients);
    }
    return checks;
  }

  /** Organizations ListAccounts, all pages. */
  async function discover(): Promise<DiscoveredAccount[]> {
    return withClients(config, async (clients) => {
      const accounts: DiscoveredAccount[] = [];
      let token: string | undefined;
      do {
        const page: ListAccountsCommandOutput = await callAws(
          clients,
          "organizations:ListAccounts",
          () =>
            clients.organizations.send(
              new ListAccountsCommand({ ...(token ? { NextToken: token } : {}) }),
            ),
        );
        for (const a of page.Accounts ?? [])
          if (a.Id)
            accounts.push({ id: a.Id, name: a.Name ?? a.Id, status: a.Status ?? "UNKNOWN" });
        token = page.NextToken;
      } while (token);
      return accounts;
    });
  }

  async function* fetchUsage(
    window: UsageWindow,
    options: FetchUsageOptions = {},
  ): AsyncGenerator<UsageRecord> {
    const summary = options.summary ?? emptyFetchSummary(resolution);
    summary.resolution = resolution;
    const clients = await openAwsClients(config);
    const classifierOf = (header: string[]) =>
      createCurClassifier(header, {
        lookupInstance: lookupInstanceType,
        // Resource ids and tags reach the records as from a CUR 2.0 file (resource_tags map → tags).
        includeResourceIds: true,
        source: config.scope.source === "athena" ? "aws-athena" : "aws-cost-explorer",
      });
    try {
      const scope = config.scope;
      if (scope.source === "athena") {
        const periods = billingPeriodsOf(window);
        const manifests = scope.exportLocation
          ? await manifestsBeforeRead(clients, scope.exportLocation, periods)
          : undefined;
        const result = await runAthenaQuery(clients, scope, curUsageQuery(scope, window));
        if (scope.exportLocation && manifests)
          await checkManifestsAfterRead(clients, scope.exportLocation, manifests);
        let classifier: RowClassifier | undefined;
        let headerError: unknown;
        const batches = athenaResultRows(clients, result, (header) => {
          try {
            classifier = classifierOf(header);
          } catch (error) {
            headerError = error; // an empty result's header is never read; a row's is
            return { columns: header };
          }
          return { columns: classifier.usedColumns, numericColumns: classifier.numericColumns };
        });
        for await (const batch of batches) {
          const bound = classifier;
          if (!bound) {
            if (batch.length === 0) continue;
            throw new ConnectorError(
              "query",
              `Athena's result has no CUR 2.0 columns: ${headerError instanceof Error ? headerError.message : String(headerError)}`,
            );
          }
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
      } else {
        let classifier: RowClassifier | undefined;
        for await (const rows of costExplorerRows(clients, window)) {
          for (const row of rows) {
            summary.rowsRead++;
            classifier ??= classifierOf(Object.keys(row));
            yield* recordsOfOutcome(classifier.classify(row, summary.rowsRead), summary);
          }
          options.onProgress?.(summary.rowsRead);
        }
      }
    } finally {
      summary.apiCalls = { ...clients.calls };
      const requests = clients.calls["ce:GetCostAndUsage"] ?? 0;
      if (config.scope.source === "cost-explorer")
        summary.apiCost = {
          service: "AWS Cost Explorer",
          requests,
          cachedRequests: clients.cacheHits,
          costAmount: Math.round(requests * COST_EXPLORER_USD_PER_REQUEST * 100) / 100,
          currency: "USD",
        };
      destroyAwsClients(clients);
    }
  }

  /**
   * The month's provider figures: the Sustainability API (default; latest model only) and, when a
   * CARBON_EMISSIONS export table is configured, the export through Athena (every model version).
   * Reconciliation counts one source per account and month (the newest model). Without the API
   * permission, an account with the export still gets the export's figures.
   */
  async function fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]> {
    const carbon = config.carbonExport;
    const useApi = config.sustainabilityCarbon !== false;
    if (!useApi && !carbon)
      throw new ConnectorError(
        "query",
        "No carbon source: the Sustainability API is turned off and no CARBON_EMISSIONS export table is configured",
      );
    if (
      carbon &&
      (!/^[A-Za-z0-9_]+$/.test(carbon.database) || !/^[A-Za-z0-9_]+$/.test(carbon.table))
    ) {
      throw new ConnectorError(
        "query",
        "The carbon export database and table must be plain identifiers",
      );
    }
    const start = monthStartOf(month);
    const scope = carbon
      ? {
          source: "athena" as const,
          region: carbon.region ?? "us-east-1",
          database: carbon.database,
          table: carbon.table,
        }
      : undefined;
    return withClients(scope ? { ...config, scope } : config, async (clients) => {
      const out: ReportedCarbon[] = [];
      if (useApi) {
        try {
          out.push(...(await sustainabilityCarbon(clients, start)));
        } catch (error) {
          const denied = error instanceof ConnectorError && error.kind === "permission";
          if (!(denied && carbon)) throw error;
        }
      }
      if (!carbon || !scope) return out;
      const sql = `SELECT usage_account_id, coalesce(region_code, 'global') AS region_code, product_code, model_version,
       sum(total_lbm_emissions_value) AS lbm, sum(total_mbm_emissions_value) AS mbm, max(total_lbm_emissions_unit) AS unit
FROM "${carbon.database}"."${carbon.table}"
WHERE usage_period_start = TIMESTAMP '${start} 00:00:00'
GROUP BY 1, 2, 3, 4`;
      const result = await runAthenaQuery(clients, scope, sql);
      for await (const batch of athenaResultRows(clients, result)) {
        for (const { row: cells } of batch) {
          const row = cells as Record<string, string>;
          const factor = /^kg/i.test(row["unit"] ?? "") ? 1 : 1000; // MTCO2e → kg
          const base = {
            provider: "aws" as const,
            providerAccountId: row["usage_account_id"] ?? "",
            month: start,
            service: row["product_code"] ?? "",
            region: row["region_code"] ?? "",
            source: "aws-carbon-emissions-export",
            modelVersion: row["model_version"] ?? "",
          };
          if (row["lbm"])
            out.push({ ...base, scope: "total", co2eKg: Number(row["lbm"]) * factor });
          if (row["mbm"])
            out.push({ ...base, scope: "total-market", co2eKg: Number(row["mbm"]) * factor });
        }
      }
      return out;
    });
  }

  return { resolution, validate, discover, fetchUsage, fetchReportedCarbon };
}
