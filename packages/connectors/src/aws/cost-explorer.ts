import {
  GetCostAndUsageCommand,
  type Expression,
  type GetCostAndUsageCommandOutput,
} from "@aws-sdk/client-cost-explorer";
import { canonicalService } from "../classify/services";
import type { UsageWindow } from "../live/types";
import { callAws, type AwsClients } from "./clients";
import type { AwsConnectorConfig } from "./config";

/**
 * Cost Explorer SERVICE display names → CUR product codes (what the CUR classifier knows), from the
 * shared service table (classify/services.ts); unknown names pass through.
 */
export const ceProductCodeOf = (service: string) => canonicalService("aws", service);

const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const usageOnly: Expression = { Dimensions: { Key: "RECORD_TYPE", Values: ["Usage"] } };

async function* pages(
  config: AwsConnectorConfig,
  clients: AwsClients,
  input: ConstructorParameters<typeof GetCostAndUsageCommand>[0],
) {
  let token: string | undefined;
  do {
    const page: GetCostAndUsageCommandOutput = await callAws(config, "ce:GetCostAndUsage", () =>
      clients.costExplorer.send(
        new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) }),
      ),
    );
    yield page;
    token = page.NextPageToken;
  } while (token);
}

/**
 * The Cost Explorer quick start, at DAILY resolution. GetCostAndUsage allows two group-bys, not the
 * five classification needs, so: one pass grouped by LINKED_ACCOUNT × SERVICE finds which pairs have
 * usage; then, per pair, a pass filtered to that account and service grouped by USAGE_TYPE × REGION.
 * Rows come out with CUR 2.0 column names (one day each) so the CUR classifier reads them.
 */
export async function* costExplorerRows(
  config: AwsConnectorConfig,
  clients: AwsClients,
  window: UsageWindow,
): AsyncGenerator<Record<string, string>[]> {
  // Cost Explorer days are whole UTC days; a partial first day is fetched whole.
  const timePeriod = {
    Start: dateOf(window.start),
    End: dateOf(new Date(window.end.getTime() + 86_400_000 - 1)),
  };
  const pairs = new Set<string>();
  for await (const page of pages(config, clients, {
    TimePeriod: timePeriod,
    Granularity: "DAILY",
    Metrics: ["UnblendedCost"],
    Filter: usageOnly,
    GroupBy: [
      { Type: "DIMENSION", Key: "LINKED_ACCOUNT" },
      { Type: "DIMENSION", Key: "SERVICE" },
    ],
  })) {
    for (const result of page.ResultsByTime ?? [])
      for (const group of result.Groups ?? []) pairs.add(JSON.stringify(group.Keys ?? []));
  }
  for (const pair of pairs) {
    const [account, service] = JSON.parse(pair) as [string, string];
    for await (const page of pages(config, clients, {
      TimePeriod: timePeriod,
      Granularity: "DAILY",
      Metrics: ["UsageQuantity", "UnblendedCost"],
      Filter: {
        And: [
          usageOnly,
          { Dimensions: { Key: "LINKED_ACCOUNT", Values: [account] } },
          { Dimensions: { Key: "SERVICE", Values: [service] } },
        ],
      },
      GroupBy: [
        { Type: "DIMENSION", Key: "USAGE_TYPE" },
        { Type: "DIMENSION", Key: "REGION" },
      ],
    })) {
      const rows: Record<string, string>[] = [];
      for (const result of page.ResultsByTime ?? []) {
        const start = result.TimePeriod?.Start ?? "";
        const end = result.TimePeriod?.End ?? "";
        for (const group of result.Groups ?? []) {
          const [usageType = "", region = ""] = group.Keys ?? [];
          const quantity = group.Metrics?.["UsageQuantity"];
          const cost = group.Metrics?.["UnblendedCost"];
          rows.push({
            line_item_usage_start_date: `${start.slice(0, 10)}T00:00:00Z`,
            line_item_usage_end_date: `${end.slice(0, 10)}T00:00:00Z`,
            line_item_usage_account_id: account,
            line_item_line_item_type: "Usage",
            line_item_product_code: ceProductCodeOf(service),
            line_item_usage_type: usageType,
            product_region_code: region === "global" || region === "NoRegion" ? "" : region,
            pricing_unit: quantity?.Unit && quantity.Unit !== "N/A" ? quantity.Unit : "",
            line_item_usage_amount: quantity?.Amount ?? "0",
            line_item_unblended_cost: cost?.Amount ?? "0",
            line_item_currency_code: cost?.Unit ?? "",
          });
        }
      }
      yield rows;
    }
  }
}
