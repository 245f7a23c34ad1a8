import {
  CostManagementClient,
  type QueryDefinition,
  type QueryFilter,
} from "@azure/arm-costmanagement";
import { createHttpHeaders, createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import { ClientSecretCredential } from "@azure/identity";
import type { UsageRecord } from "@canopy/methodology";
import { lookupInstanceType } from "@canopy/methodology";
import { createAzureClassifier, type RowClassifier } from "../classify";
import { ConnectorError, withBackoff } from "../live/errors";
import {
  emptyFetchSummary,
  type DiscoveredAccount,
  type FetchUsageOptions,
  type LiveConnector,
  type ReportedCarbon,
  monthStartOf,
  type PermissionCheck,
  type UsageWindow,
  recordsOfOutcome,
} from "../live/types";
import { azureConnectorError, azureRetryAfterMs } from "./azure-errors";
import {
  ARM_ENDPOINT,
  ARM_SCOPE,
  azureScopeKind,
  COST_DETAILS_REPORT_ACTION,
  COST_MANAGEMENT_QUERY_ACTION,
  defaultAzureUsageSource,
  type AzureConnectorConfig,
  type AzureUsageSource,
} from "./config";
import { costDetailsReportUrl, costDetailsUsage, type CostDetailsContext } from "./cost-details";

type QueryPage = { columns: string[]; rows: unknown[][] };
type Clients = {
  credential: ClientSecretCredential;
  costManagement: CostManagementClient;
  arm: string;
};

function createClients(config: AzureConnectorConfig): Clients {
  const { directoryTenantId, clientId, clientSecret } = config.credentials;
  const transport = config.httpClient ? { httpClient: config.httpClient } : {};
  const credential = new ClientSecretCredential(directoryTenantId, clientId, clientSecret, {
    ...transport,
    ...(config.endpoints?.authorityHost
      ? { authorityHost: config.endpoints.authorityHost, disableInstanceDiscovery: true }
      : {}),
    retryOptions: { maxRetries: 0 },
  });
  const arm = config.endpoints?.arm ?? ARM_ENDPOINT;
  // Our backoff is the only retry layer: the pipeline retries 429s only on Retry-After, which Cost
  // Management does not send (it sends x-ms-ratelimit-microsoft.costmanagement-*-retry-after).
  const costManagement = new CostManagementClient(credential, {
    ...transport,
    endpoint: arm,
    credentialScopes: [ARM_SCOPE],
    retryOptions: { maxRetries: 0 },
  });
  return { credential, costManagement, arm };
}

const yyyymmddToIso = (value: unknown) => {
  const text = String(value);
  return /^\d{8}$/.test(text)
    ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`
    : text;
};

/**
 * The Azure connector: a service principal (client secret) through @azure/identity, and the Cost
 * Management Query API (daily; Azure has no hourly cost data) per subscription.
 */
/**
 * A required permission's probe: passed with the message `run` returns, or failed with the error's
 * message, its permission (when the error names a more precise one) and fix.
 */
async function requiredProbe(
  permission: string,
  run: () => Promise<string>,
): Promise<PermissionCheck> {
  try {
    return { permission, status: "passed", message: await run(), required: true };
  } catch (error) {
    const e = error as { message: string; fix?: string; permission?: string };
    return {
      permission: e.permission ?? permission,
      status: "failed",
      message: e.message,
      required: true,
      ...(e.fix ? { fix: e.fix } : {}),
    };
  }
}

export function createAzureConnector(config: AzureConnectorConfig): LiveConnector & {
  readonly resolution: "daily";
  fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]>;
} {
  const call = <T>(action: string, scope: string | undefined, run: () => Promise<T>) =>
    withBackoff(run, azureRetryAfterMs, config.backoff).catch((error: unknown) => {
      throw azureConnectorError(error, action, scope);
    });

  async function token(clients: Clients) {
    await call("Microsoft Entra ID token", undefined, () => clients.credential.getToken(ARM_SCOPE));
  }

  /** A raw request through the client's pipeline (same auth and transport); throws RestError on failure. */
  async function send(
    clients: Clients,
    method: "GET" | "POST",
    url: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    return (await request(clients, method, url, body)).body;
  }

  /** `send` with the status and headers (the Cost Details API answers 202 + Location + Retry-After). */
  async function request(
    clients: Clients,
    method: "GET" | "POST",
    url: string,
    body?: unknown,
  ): Promise<{
    status: number;
    headers: { get(name: string): string | undefined };
    body: Record<string, unknown>;
  }> {
    const request = createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders({
        "content-type": "application/json",
        accept: "application/json",
      }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const response = await clients.costManagement.sendRequest(request);
    const parsed = response.bodyAsText
      ? (JSON.parse(response.bodyAsText) as Record<string, unknown>)
      : {};
    if (response.status >= 400) {
      const error = (parsed["error"] ?? {}) as { code?: string; message?: string };
      throw new RestError(error.message ?? `HTTP ${response.status}`, {
        statusCode: response.status,
        code: error.code ?? "",
        request,
        response,
      });
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** Query API pages: the SDK call for the first, then POST of the same body to each nextLink (the SDK has no pager). */
  async function* query(
    clients: Clients,
    scope: string,
    definition: QueryDefinition,
  ): AsyncGenerator<QueryPage> {
    const first = await call(COST_MANAGEMENT_QUERY_ACTION, scope, () =>
      clients.costManagement.query.usage(scope, definition),
    );
    yield {
      columns: (first.columns ?? []).map((c) => c.name ?? ""),
      rows: (first.rows ?? []) as unknown[][],
    };
    let next = first.nextLink;
    while (next) {
      const url = next;
      const page = await call(COST_MANAGEMENT_QUERY_ACTION, scope, () =>
        send(clients, "POST", url, definition),
      );
      const properties = (page["properties"] ?? {}) as {
        columns?: { name: string }[];
        rows?: unknown[][];
        nextLink?: string | null;
      };
      yield { columns: (properties.columns ?? []).map((c) => c.name), rows: properties.rows ?? [] };
      next = properties.nextLink ?? undefined;
    }
  }

  const baseDefinition = (
    window: UsageWindow,
    grouping: string[],
    filter?: QueryFilter,
  ): QueryDefinition => ({
    type: "Usage",
    timeframe: "Custom",
    timePeriod: { from: window.start, to: new Date(window.end.getTime() - 1) },
    dataset: {
      granularity: "Daily",
      aggregation: {
        UsageQuantity: { name: "UsageQuantity", function: "Sum" },
        PreTaxCost: { name: "PreTaxCost", function: "Sum" },
      },
      grouping: grouping.map((name) => ({ type: "Dimension", name })),
      ...(filter ? { filter } : {}),
    },
  });

  const usageSource: AzureUsageSource =
    config.usageSource ?? defaultAzureUsageSource(config.usageScope);

  /** The scopes usage is read from: `usageScope`, else each subscription. */
  const usageScopes = () =>
    config.usageScope
      ? [config.usageScope.replace(/^\/+/, "")]
      : config.subscriptionIds.map((id) => `subscriptions/${id}`);

  /** The Query API path reads subscriptions only (its two groupings leave no room to split a billing scope by subscription). */
  function querySubscriptionIds(): string[] {
    if (!config.usageScope) return config.subscriptionIds;
    const match = /^\/?subscriptions\/([^/]+)\/?$/i.exec(config.usageScope);
    if (!match?.[1])
      throw new ConnectorError(
        "query",
        `The Query API source reads subscriptions, not ${config.usageScope}: use the Cost Details source (usageSource "cost-details") for ${azureScopeKind(config.usageScope)} scopes.`,
      );
    return [match[1]];
  }

  const costDetailsContext = (clients: Clients): CostDetailsContext => ({
    arm: (method, url, body) => request(clients, method, url, body),
    call,
    armEndpoint: clients.arm,
    httpClient: config.httpClient,
    backoff: config.backoff,
    defaultPollMs: config.costDetails?.defaultPollMs,
    maxWaitMs: config.costDetails?.maxWaitMs,
    stallMs: config.costDetails?.stallMs,
  });

  async function validate(): Promise<PermissionCheck[]> {
    const checks: PermissionCheck[] = [];
    const clients = createClients(config);
    try {
      await token(clients);
      checks.push({
        permission: "Microsoft Entra ID sign-in",
        status: "passed",
        message: "The service principal signed in",
        required: true,
      });
    } catch (error) {
      const e = error as { message: string; fix?: string };
      checks.push({
        permission: "Microsoft Entra ID sign-in",
        status: "failed",
        message: e.message,
        fix: "Check the directory (tenant) id, client id and client secret; create a new secret if it expired",
        required: true,
      });
      return checks;
    }
    try {
      await discoverWith(clients);
      checks.push({
        permission: "Microsoft.Resources/subscriptions/read",
        status: "passed",
        message: "Can list subscriptions",
        required: false,
      });
    } catch (error) {
      const e = error as { message: string };
      checks.push({
        permission: "Microsoft.Resources/subscriptions/read",
        status: "failed",
        message: `${e.message} Subscriptions will not be discovered; the listed ones are still read.`,
        fix: 'Assign the "Reader" role to the service principal at the management group or on each subscription',
        required: false,
      });
    }
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000);
    if (usageSource === "cost-details") {
      // Starting a one-day report proves the permission (202); it is not waited for.
      const date = day.toISOString().slice(0, 10);
      for (const scope of usageScopes()) {
        checks.push(
          await requiredProbe(COST_DETAILS_REPORT_ACTION, async () => {
            await call(COST_DETAILS_REPORT_ACTION, scope, () =>
              request(clients, "POST", costDetailsReportUrl(clients.arm, scope), {
                metric: "ActualCost",
                timePeriod: { start: date, end: date },
              }),
            );
            return `Azure accepted a cost details report request on ${scope}`;
          }),
        );
      }
      return checks;
    }
    for (const subscriptionId of querySubscriptionIds()) {
      const scope = `subscriptions/${subscriptionId}`;
      checks.push(
        await requiredProbe(COST_MANAGEMENT_QUERY_ACTION, async () => {
          for await (const page of query(
            clients,
            scope,
            baseDefinition({ start: day, end: new Date(day.getTime() + 86_400_000) }, []),
          ))
            void page;
          return `Read one day of usage on ${scope}`;
        }),
      );
    }
    return checks;
  }

  async function discoverWith(clients: Clients): Promise<DiscoveredAccount[]> {
    const out: DiscoveredAccount[] = [];
    let url: string | undefined = `${clients.arm}/subscriptions?api-version=2022-12-01`;
    while (url) {
      const current: string = url;
      const page = await call("Microsoft.Resources/subscriptions/read", undefined, () =>
        send(clients, "GET", current),
      );
      for (const s of (page["value"] ?? []) as {
        subscriptionId: string;
        displayName?: string;
        state?: string;
      }[]) {
        out.push({
          id: s.subscriptionId,
          name: s.displayName ?? s.subscriptionId,
          status: s.state ?? "Unknown",
        });
      }
      url = (page["nextLink"] as string | undefined) ?? undefined;
    }
    return out;
  }

  /**
   * Daily usage per subscription. The Query API allows two groupings, classification needs meter
   * category, meter, unit and location: one pass grouped by MeterCategory × ResourceLocation finds the
   * pairs with usage, then one pass per pair, filtered to it, grouped by Meter × UnitOfMeasure.
   */
  async function* fetchUsage(
    window: UsageWindow,
    options: FetchUsageOptions = {},
  ): AsyncGenerator<UsageRecord> {
    const summary = options.summary ?? emptyFetchSummary("daily");
    summary.resolution = "daily";
    const clients = createClients(config);
    await token(clients);
    if (usageSource === "cost-details") {
      const context = costDetailsContext(clients);
      for (const scope of usageScopes())
        yield* costDetailsUsage(context, scope, window, summary, options);
      return;
    }
    let classifier: RowClassifier | undefined;
    for (const subscriptionId of querySubscriptionIds()) {
      const scope = `subscriptions/${subscriptionId}`;
      const pairs = new Set<string>();
      for await (const page of query(
        clients,
        scope,
        baseDefinition(window, ["MeterCategory", "ResourceLocation"]),
      )) {
        const category = page.columns.indexOf("MeterCategory");
        const location = page.columns.indexOf("ResourceLocation");
        for (const row of page.rows) pairs.add(JSON.stringify([row[category], row[location]]));
      }
      for (const pair of pairs) {
        const [category, location] = JSON.parse(pair) as [string, string];
        const filter: QueryFilter = {
          and: [
            { dimensions: { name: "MeterCategory", operator: "In", values: [category] } },
            { dimensions: { name: "ResourceLocation", operator: "In", values: [location] } },
          ],
        };
        for await (const page of query(
          clients,
          scope,
          baseDefinition(window, ["Meter", "UnitOfMeasure"], filter),
        )) {
          const index = new Map(page.columns.map((name, i) => [name, i]));
          const cell = (row: unknown[], name: string) => row[index.get(name) ?? -1];
          for (const row of page.rows) {
            summary.rowsRead++;
            const line = {
              Date: yyyymmddToIso(cell(row, "UsageDate")),
              SubscriptionId: subscriptionId,
              ChargeType: "Usage",
              MeterCategory: category,
              MeterName: String(cell(row, "Meter") ?? ""),
              ResourceLocation: location,
              UnitOfMeasure: String(cell(row, "UnitOfMeasure") ?? ""),
              Quantity: Number(cell(row, "UsageQuantity") ?? 0),
              PreTaxCost: Number(cell(row, "PreTaxCost") ?? 0),
              Currency: String(cell(row, "Currency") ?? ""),
            };
            classifier ??= createAzureClassifier(Object.keys(line), {
              lookupInstance: lookupInstanceType,
              includeResourceIds: false,
              source: "azure-query",
            });
            yield* recordsOfOutcome(classifier.classify(line, summary.rowsRead), summary);
          }
          options.onProgress?.(summary.rowsRead);
        }
      }
    }
  }

  /**
   * Carbon Optimization `ItemDetailsReport` per subscription for one month, Scope 1+2+3 summed (Azure
   * gives one number for the requested scopes, with no location/market switch): stored as `total`.
   * Subscriptions the principal may not read come back as Denied and are skipped, not failed.
   */
  async function fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]> {
    const clients = createClients(config);
    await token(clients);
    const start = monthStartOf(month);
    const out: ReportedCarbon[] = [];
    let skipToken: string | undefined;
    do {
      const body = {
        reportType: "ItemDetailsReport",
        categoryType: "Subscription",
        dateRange: { start, end: start },
        subscriptionList: config.subscriptionIds.map((id) => id.toLowerCase()),
        carbonScopeList: ["Scope1", "Scope2", "Scope3"],
        orderBy: "ItemName",
        sortDirection: "Asc",
        pageSize: 5000,
        ...(skipToken ? { skipToken } : {}),
      };
      const page = await call("Microsoft.Carbon/carbonEmissionReports/action", undefined, () =>
        send(
          clients,
          "POST",
          `${clients.arm}/providers/Microsoft.Carbon/carbonEmissionReports?api-version=2025-04-01`,
          body,
        ),
      );
      for (const item of (page["value"] ?? []) as {
        subscriptionId?: string;
        itemName?: string;
        latestMonthEmissions?: number;
      }[]) {
        out.push({
          provider: "azure",
          providerAccountId: item.subscriptionId ?? item.itemName ?? "",
          month: start,
          scope: "total",
          co2eKg: Number(item.latestMonthEmissions ?? 0),
          source: "azure-carbon-optimization",
        });
      }
      skipToken = (page["skipToken"] as string | undefined) || undefined;
    } while (skipToken);
    return out;
  }

  return {
    resolution: "daily",
    fetchReportedCarbon,
    validate,
    discover: () => discoverWith(createClients(config)),
    fetchUsage,
  };
}
