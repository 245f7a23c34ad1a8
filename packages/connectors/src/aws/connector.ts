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
import { athenaRows, billingPeriodsOf, curUsageQuery, runAthenaQuery } from "./athena";
import {
  assumeRole,
  callAws,
  createAwsClients,
  destroyAwsClients,
  type AwsClients,
} from "./clients";
import type { AwsConnectorConfig } from "./config";
import { costExplorerRows } from "./cost-explorer";

export type AwsConnector = LiveConnector & {
  readonly resolution: FetchSummary["resolution"];
  /** The month's figures from the CARBON_EMISSIONS export (Athena), converted from MTCO2e to kg; every model version kept. */
  fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]>;
};

async function withClients<T>(
  config: AwsConnectorConfig,
  use: (clients: AwsClients) => Promise<T>,
): Promise<T> {
  const clients = createAwsClients(config, await assumeRole(config));
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
    let identity;
    try {
      identity = await assumeRole(config);
      checks.push({
        permission: "sts:AssumeRole",
        status: "passed",
        message: `Assumed ${config.credentials.roleArn} with the external id`,
        required: true,
      });
    } catch (error) {
      checks.push(checkOf("sts:AssumeRole", true, error));
      return checks;
    }
    const clients = createAwsClients(config, identity);
    try {
      const scope = config.scope;
      if (scope.source === "athena") {
        const now = new Date();
        const probe = `SELECT line_item_usage_start_date FROM "${scope.database}"."${scope.table}" WHERE billing_period = '${billingPeriodsOf({ start: now, end: new Date(now.getTime() + 1) })[0]}' LIMIT 1`;
        try {
          const id = await runAthenaQuery(config, clients, scope, probe);
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
            for await (const page of athenaRows(config, clients, id)) void page;
            checks.push({
              permission: "athena:GetQueryResults",
              status: "passed",
              message: "Read the query results",
              required: true,
            });
          } catch (error) {
            checks.push(checkOf("athena:GetQueryResults", true, error));
          }
        } catch (error) {
          checks.push(checkOf("athena:StartQueryExecution", true, error));
        }
      } else {
        const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
        const next = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
        try {
          await callAws(config, "ce:GetCostAndUsage", () =>
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
            message: "Read one day of costs (daily resolution)",
            required: true,
          });
        } catch (error) {
          checks.push(checkOf("ce:GetCostAndUsage", true, error));
        }
      }
      try {
        await callAws(config, "organizations:ListAccounts", () =>
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
          config,
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
    const clients = createAwsClients(config, await assumeRole(config));
    try {
      let classifier: RowClassifier | undefined;
      const source = config.scope.source === "athena" ? "aws-athena" : "aws-cost-explorer";
      const batches =
        config.scope.source === "athena"
          ? (async function* () {
              const scope = config.scope as Extract<
                AwsConnectorConfig["scope"],
                { source: "athena" }
              >;
              const id = await runAthenaQuery(config, clients, scope, curUsageQuery(scope, window));
              for await (const page of athenaRows(config, clients, id)) yield page.rows;
            })()
          : costExplorerRows(config, clients, window);
      for await (const rows of batches) {
        for (const row of rows) {
          summary.rowsRead++;
          classifier ??= createCurClassifier(Object.keys(row), {
            lookupInstance: lookupInstanceType,
            includeResourceIds: false,
            source,
          });
          yield* recordsOfOutcome(classifier.classify(row, summary.rowsRead), summary);
        }
        options.onProgress?.(summary.rowsRead);
      }
    } finally {
      destroyAwsClients(clients);
    }
  }

  async function fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]> {
    const carbon = config.carbonExport;
    if (!carbon)
      throw new ConnectorError(
        "query",
        "No CARBON_EMISSIONS export table is configured for this account",
      );
    if (!/^[A-Za-z0-9_]+$/.test(carbon.database) || !/^[A-Za-z0-9_]+$/.test(carbon.table)) {
      throw new ConnectorError(
        "query",
        "The carbon export database and table must be plain identifiers",
      );
    }
    const start = monthStartOf(month);
    const scope = {
      source: "athena" as const,
      region: carbon.region ?? "us-east-1",
      database: carbon.database,
      table: carbon.table,
    };
    const sql = `SELECT usage_account_id, coalesce(region_code, 'global') AS region_code, product_code, model_version,
       sum(total_lbm_emissions_value) AS lbm, sum(total_mbm_emissions_value) AS mbm, max(total_lbm_emissions_unit) AS unit
FROM "${carbon.database}"."${carbon.table}"
WHERE usage_period_start = TIMESTAMP '${start} 00:00:00'
GROUP BY 1, 2, 3, 4`;
    return withClients({ ...config, scope }, async (clients) => {
      const id = await runAthenaQuery(config, clients, scope, sql);
      const out: ReportedCarbon[] = [];
      for await (const page of athenaRows(config, clients, id)) {
        for (const row of page.rows) {
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
