import {
  GetCostAndUsageCommand,
  type Expression,
  type GetCostAndUsageCommandOutput,
} from "@aws-sdk/client-cost-explorer";
import { canonicalService } from "../classify/services";
import type { UsageWindow } from "../live/types";
import { callAws, type AwsClients } from "./clients";

/**
 * Cost Explorer SERVICE display names → CUR product codes (what the CUR classifier knows), from the
 * shared service table (classify/services.ts); unknown names pass through.
 */
export const ceProductCodeOf = (service: string) => canonicalService("aws", service);

const dateOf = (d: Date) => d.toISOString().slice(0, 10);
/**
 * Usage lines only. Whether Cost Explorer files RI- and Savings-Plan-covered hours under
 * `RECORD_TYPE = Usage` or under their own values is not stated where the dimension is documented
 * (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetDimensionValues.html):
 * asking for all three is right either way (a value that never occurs matches nothing, and no line
 * carries two record types, so nothing is counted twice).
 */
const usageOnly: Expression = {
  Dimensions: {
    Key: "RECORD_TYPE",
    Values: ["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"],
  },
};

/** USD per GetCostAndUsage request (https://aws.amazon.com/aws-cost-management/pricing/). */
export const COST_EXPLORER_USD_PER_REQUEST = 0.01;

/**
 * Answers kept per role and request (the page token included), across syncs in this process: an
 * hourly sync re-reads a 3-day window, and Cost Explorer data changes a few times a day at most.
 */
const cache = new Map<string, { at: number; page: GetCostAndUsageCommandOutput }>();
const CACHE_LIMIT = 5_000;

/** Forgets every cached Cost Explorer answer (tests). */
export function clearCostExplorerCache() {
  cache.clear();
}

async function* pages(
  clients: AwsClients,
  input: ConstructorParameters<typeof GetCostAndUsageCommand>[0],
) {
  const config = clients.config;
  const ttl = config.costExplorerCacheMs ?? 6 * 3_600_000;
  let token: string | undefined;
  do {
    const request = { ...input, ...(token ? { NextPageToken: token } : {}) };
    const key = JSON.stringify([
      config.credentials.roleArn,
      config.credentials.externalId,
      request,
    ]);
    const hit = cache.get(key);
    let page: GetCostAndUsageCommandOutput;
    if (ttl > 0 && hit && Date.now() - hit.at < ttl) {
      page = hit.page;
      clients.cacheHits++;
    } else {
      page = await callAws(clients, "ce:GetCostAndUsage", () =>
        clients.costExplorer.send(new GetCostAndUsageCommand(request)),
      );
      if (ttl > 0) {
        if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
        cache.set(key, { at: Date.now(), page });
      }
    }
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
  clients: AwsClients,
  window: UsageWindow,
): AsyncGenerator<Record<string, string>[]> {
  // Cost Explorer days are whole UTC days; a partial first day is fetched whole.
  const timePeriod = {
    Start: dateOf(window.start),
    End: dateOf(new Date(window.end.getTime() + 86_400_000 - 1)),
  };
  const pairs = new Set<string>();
  for await (const page of pages(clients, {
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
    for await (const page of pages(clients, {
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
