import {
  CostManagementClient,
  type QueryDefinition,
  type QueryFilter,
} from "@azure/arm-costmanagement";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  RestError,
} from "@azure/core-rest-pipeline";
import { ClientSecretCredential } from "@azure/identity";
import type { UsageRecord } from "@canopy/methodology";
import { lookupInstanceType } from "@canopy/methodology";
import { createAzureClassifier, type RowClassifier } from "../classify";
import { ConnectorError, sleepMs, withBackoff } from "../live/errors";
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
import {
  azureConnectorError,
  azureRetryAfterMs,
  networkFailureOf,
  unreachableError,
} from "./azure-errors";
import { managementGroupIdOf, managementGroupSubscriptions } from "./management-groups";
import { qpuPauseMs } from "./qpu";
import {
  ARM_ENDPOINT,
  ARM_SCOPE,
  azureScopeKind,
  CARBON_API_VERSION,
  CARBON_SCOPES,
  CARBON_SUBSCRIPTIONS_PER_REQUEST,
  ENTRA_AUTHORITY_HOST,
  MANAGEMENT_GROUP_DESCENDANTS_ACTION,
  COST_DETAILS_REPORT_ACTION,
  COST_MANAGEMENT_QUERY_ACTION,
  defaultAzureUsageSource,
  type AzureConnectorConfig,
  type AzureUsageSource,
} from "./config";
import { costDetailsReportUrl, costDetailsUsage, type CostDetailsContext } from "./cost-details";

type QueryPage = { columns: string[]; rows: unknown[][] };
export type AzureArmClients = {
  credential: ClientSecretCredential;
  costManagement: CostManagementClient;
  arm: string;
};

/** The credential and an ARM client whose pipeline (bearer token, transport) raw requests go through. */
export function createAzureArmClients(config: AzureConnectorConfig): AzureArmClients {
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
  /** The usage source this connector reads (the configured one, else the default for its scope). */
  readonly usageSource: AzureUsageSource;
  fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]>;
} {
  const hostOf = (url: string | undefined, fallback: string) => {
    try {
      return url ? new URL(url).host : fallback;
    } catch {
      return fallback;
    }
  };
  const armHost = hostOf(config.endpoints?.arm, new URL(ARM_ENDPOINT).host);
  const authorityHost = hostOf(config.endpoints?.authorityHost, ENTRA_AUTHORITY_HOST);
  const call = <T>(action: string, scope: string | undefined, run: () => Promise<T>) =>
    withBackoff(run, azureRetryAfterMs, config.backoff).catch((error: unknown) => {
      throw azureConnectorError(error, action, scope, armHost);
    });

  async function token(clients: AzureArmClients) {
    await withBackoff(
      () => clients.credential.getToken(ARM_SCOPE),
      azureRetryAfterMs,
      config.backoff,
    ).catch(async (error: unknown) => {
      throw (
        (await unreachableAuthority(error)) ??
        azureConnectorError(error, "Microsoft Entra ID token", undefined, authorityHost)
      );
    });
  }

  /**
   * MSAL reports a failed OpenID metadata fetch as `endpoints_resolution_error` whether the network or
   * the tenant is at fault, without the socket error. When sign-in failed without an AADSTS answer,
   * fetch the tenant's metadata once ourselves: a socket error means Entra ID is unreachable (proxy,
   * firewall, DNS), not that the credentials are wrong.
   */
  async function unreachableAuthority(error: unknown): Promise<ConnectorError | undefined> {
    const direct = networkFailureOf(error);
    if (direct) return unreachableError(authorityHost, direct, error);
    const message = (error as { message?: string }).message ?? String(error);
    if (/AADSTS\d+/.test(message)) return undefined;
    const base = config.endpoints?.authorityHost ?? `https://${ENTRA_AUTHORITY_HOST}`;
    const url = `${base.replace(/\/+$/, "")}/${encodeURIComponent(config.credentials.directoryTenantId)}/v2.0/.well-known/openid-configuration`;
    try {
      const response = await (config.httpClient ?? createDefaultHttpClient()).sendRequest(
        createPipelineRequest({ url, method: "GET", timeout: 15_000 }),
      );
      if (response.status >= 400) {
        const reason = /AADSTS\d+:[^."]*/.exec(response.bodyAsText ?? "")?.[0];
        return new ConnectorError(
          "credentials",
          `Microsoft Entra ID refused the directory (tenant) id${reason ? ` (${reason})` : ` (HTTP ${response.status})`}. Check the directory (tenant) id.`,
          { cause: error },
        );
      }
      return undefined;
    } catch (probeError) {
      const reason =
        networkFailureOf(probeError) ??
        (probeError as { code?: string }).code ??
        (probeError as Error).message;
      return unreachableError(authorityHost, reason, probeError);
    }
  }

  const sleep = config.backoff?.sleep ?? sleepMs;
  /** Wait owed before the next Query API call, from the last answer's QPU headers. */
  let qpuWaitMs = 0;
  const paceQuery = async () => {
    if (qpuWaitMs > 0) {
      const wait = qpuWaitMs;
      qpuWaitMs = 0;
      await sleep(wait);
    }
  };
  const noteQpu = (headers: { get(name: string): string | undefined }) => {
    qpuWaitMs = qpuPauseMs(headers, config.qpu);
  };

  /** A raw request through the client's pipeline (same auth and transport); throws RestError on failure. */
  async function send(
    clients: AzureArmClients,
    method: "GET" | "POST",
    url: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    return (await request(clients, method, url, body)).body;
  }

  /** `send` with the status and headers (the Cost Details API answers 202 + Location + Retry-After). */
  async function request(
    clients: AzureArmClients,
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
    clients: AzureArmClients,
    scope: string,
    definition: QueryDefinition,
  ): AsyncGenerator<QueryPage> {
    await paceQuery();
    const first = await call(COST_MANAGEMENT_QUERY_ACTION, scope, () =>
      clients.costManagement.query.usage(scope, definition, {
        onResponse: (raw) => noteQpu(raw.headers),
      }),
    );
    yield {
      columns: (first.columns ?? []).map((c) => c.name ?? ""),
      rows: (first.rows ?? []) as unknown[][],
    };
    let next = first.nextLink;
    while (next) {
      const url = next;
      await paceQuery();
      const page = await call(COST_MANAGEMENT_QUERY_ACTION, scope, async () => {
        const response = await request(clients, "POST", url, definition);
        noteQpu(response.headers);
        return response.body;
      });
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
    config.usageSource ?? defaultAzureUsageSource(config.usageScope, config.subscriptionIds.length);

  /** The subscriptions under a management group (Management Groups descendants). */
  const groupSubscriptions = (clients: AzureArmClients, groupId: string) =>
    managementGroupSubscriptions(clients.arm, groupId, (url) =>
      call(
        MANAGEMENT_GROUP_DESCENDANTS_ACTION,
        `providers/Microsoft.Management/managementGroups/${groupId}`,
        () => send(clients, "GET", url),
      ),
    );

  /**
   * The scopes usage is read from: `usageScope`, else each subscription. A management group is
   * expanded to its subscriptions: the Cost Details API refuses management-group scopes (EA and MCA).
   */
  async function usageScopes(clients: AzureArmClients): Promise<string[]> {
    if (!config.usageScope) return config.subscriptionIds.map((id) => `subscriptions/${id}`);
    const groupId = managementGroupIdOf(config.usageScope);
    if (groupId)
      return (await groupSubscriptions(clients, groupId)).map((id) => `subscriptions/${id}`);
    return [config.usageScope.replace(/^\/+/, "")];
  }

  /**
   * The Query API path reads subscriptions only (its two groupings leave no room to split a billing
   * scope by subscription); a management group is expanded to its subscriptions.
   */
  async function querySubscriptionIds(clients: AzureArmClients): Promise<string[]> {
    if (!config.usageScope) return config.subscriptionIds;
    const groupId = managementGroupIdOf(config.usageScope);
    if (groupId) return groupSubscriptions(clients, groupId);
    const match = /^\/?subscriptions\/([^/]+)\/?$/i.exec(config.usageScope);
    if (!match?.[1])
      throw new ConnectorError(
        "query",
        `The Query API source reads subscriptions, not ${config.usageScope}: use the Cost Details source (usageSource "cost-details") for ${azureScopeKind(config.usageScope)} scopes.`,
      );
    return [match[1]];
  }

  const costDetailsContext = (clients: AzureArmClients): CostDetailsContext => ({
    arm: (method, url, body) => request(clients, method, url, body),
    call,
    armEndpoint: clients.arm,
    httpClient: config.httpClient,
    backoff: config.backoff,
    defaultPollMs: config.costDetails?.defaultPollMs,
    maxWaitMs: config.costDetails?.maxWaitMs,
    stallMs: config.costDetails?.stallMs,
  });

  /**
   * The scopes `resolve` gives, with a check for a management group's expansion; a failed expansion
   * becomes a failed required check (undefined returned) instead of an exception.
   */
  async function resolvedScopes(
    checks: PermissionCheck[],
    resolve: () => Promise<string[]>,
  ): Promise<string[] | undefined> {
    const group = config.usageScope ? managementGroupIdOf(config.usageScope) : undefined;
    try {
      const scopes = await resolve();
      if (group)
        checks.push({
          permission: MANAGEMENT_GROUP_DESCENDANTS_ACTION,
          status: "passed",
          message: `${config.usageScope} holds ${scopes.length} subscription(s), read one by one (the Cost Details API does not accept management groups)`,
          required: true,
        });
      return scopes;
    } catch (error) {
      if (!group) throw error;
      const e = error as ConnectorError;
      checks.push({
        permission: e.permission ?? MANAGEMENT_GROUP_DESCENDANTS_ACTION,
        status: "failed",
        message: e.message,
        fix:
          e.fix ??
          'Assign the "Management Group Reader" (or "Reader") role on the management group to the service principal',
        required: true,
      });
      return undefined;
    }
  }

  async function validate(): Promise<PermissionCheck[]> {
    const checks: PermissionCheck[] = [];
    const clients = createAzureArmClients(config);
    try {
      await token(clients);
      checks.push({
        permission: "Microsoft Entra ID sign-in",
        status: "passed",
        message: "The service principal signed in",
        required: true,
      });
    } catch (error) {
      const e = error as ConnectorError;
      const unreachable = e.kind === "transient";
      checks.push({
        permission: unreachable
          ? `Network access to ${authorityHost}`
          : "Microsoft Entra ID sign-in",
        status: "failed",
        message: e.message,
        fix: unreachable
          ? (e.fix ?? `Allow outbound HTTPS from Canopy to ${authorityHost}`)
          : "Check the directory (tenant) id, client id and client secret; create a new secret if it expired",
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
      const scopes = await resolvedScopes(checks, () => usageScopes(clients));
      if (!scopes) return checks;
      for (const scope of scopes) {
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
    const subscriptionIds = await resolvedScopes(checks, () => querySubscriptionIds(clients));
    if (!subscriptionIds) return checks;
    for (const subscriptionId of subscriptionIds) {
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

  async function discoverWith(clients: AzureArmClients): Promise<DiscoveredAccount[]> {
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
    const clients = createAzureArmClients(config);
    await token(clients);
    if (usageSource === "cost-details") {
      const context = costDetailsContext(clients);
      for (const scope of await usageScopes(clients))
        yield* costDetailsUsage(context, scope, window, summary, options);
      return;
    }
    let classifier: RowClassifier | undefined;
    for (const subscriptionId of await querySubscriptionIds(clients)) {
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
   * Carbon Optimization figures of one month per subscription, one `ItemDetailsReport` per emission
   * scope (Azure sums whatever `carbonScopeList` names into one number, so Scope 1, 2 and 3 need a
   * request each): stored as `scope1`, `scope2-market` (Microsoft's method is market-based) and
   * `scope3`, and their sum as `total` (what one all-scopes request answers). Subscriptions go 100 per
   * request (the documented maximum), lower-cased as documented. Months outside the published range
   * (`queryCarbonEmissionDataAvailableDateRange`, asked once per call) are not requested: the API
   * refuses them, and a month not yet published is simply absent. Subscriptions the principal may not
   * read come back as Denied and are skipped, not failed.
   */
  async function fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]> {
    const clients = createAzureArmClients(config);
    await token(clients);
    const start = monthStartOf(month);
    const range = await call(
      "Microsoft.Carbon/queryCarbonEmissionDataAvailableDateRange/action",
      undefined,
      () =>
        send(
          clients,
          "POST",
          `${clients.arm}/providers/Microsoft.Carbon/queryCarbonEmissionDataAvailableDateRange?api-version=${CARBON_API_VERSION}`,
          {},
        ),
    );
    const first = monthStartOf(String(range["startDate"] ?? ""));
    const last = monthStartOf(String(range["endDate"] ?? ""));
    if (!range["startDate"] || !range["endDate"] || start < first || start > last) return [];
    const all = [...new Set(config.subscriptionIds.map((id) => id.toLowerCase()))];
    const bySubscription = new Map<string, Partial<Record<ReportedCarbon["scope"], number>>>();
    for (let i = 0; i < all.length; i += CARBON_SUBSCRIPTIONS_PER_REQUEST) {
      const chunk = all.slice(i, i + CARBON_SUBSCRIPTIONS_PER_REQUEST);
      for (const [azureScope, scope] of CARBON_SCOPES)
        for (const [subscriptionId, kg] of await carbonOfSubscriptions(
          clients,
          start,
          chunk,
          azureScope,
        )) {
          const figures = bySubscription.get(subscriptionId) ?? {};
          figures[scope] = (figures[scope] ?? 0) + kg;
          figures.total = (figures.total ?? 0) + kg;
          bySubscription.set(subscriptionId, figures);
        }
    }
    const out: ReportedCarbon[] = [];
    for (const [providerAccountId, figures] of bySubscription)
      for (const scope of ["scope1", "scope2-market", "scope3", "total"] as const) {
        const co2eKg = figures[scope];
        if (co2eKg === undefined) continue;
        out.push({
          provider: "azure",
          providerAccountId,
          month: start,
          scope,
          co2eKg,
          source: "azure-carbon-optimization",
        });
      }
    return out;
  }

  /** One scope's kg CO2e per subscription of one month (≤ 100 subscriptions), `skipToken` pages. */
  async function carbonOfSubscriptions(
    clients: AzureArmClients,
    start: string,
    subscriptionList: string[],
    carbonScope: string,
  ): Promise<[string, number][]> {
    const out: [string, number][] = [];
    let skipToken: string | undefined;
    do {
      const body = {
        reportType: "ItemDetailsReport",
        categoryType: "Subscription",
        dateRange: { start, end: start },
        subscriptionList,
        carbonScopeList: [carbonScope],
        orderBy: "ItemName",
        sortDirection: "Asc",
        pageSize: 5000,
        ...(skipToken ? { skipToken } : {}),
      };
      const page = await call("Microsoft.Carbon/carbonEmissionReports/action", undefined, () =>
        send(
          clients,
          "POST",
          `${clients.arm}/providers/Microsoft.Carbon/carbonEmissionReports?api-version=${CARBON_API_VERSION}`,
          body,
        ),
      );
      for (const item of (page["value"] ?? []) as {
        subscriptionId?: string;
        itemName?: string;
        latestMonthEmissions?: number;
      }[])
        out.push([
          (item.subscriptionId ?? item.itemName ?? "").toLowerCase(),
          Number(item.latestMonthEmissions ?? 0),
        ]);
      skipToken = (page["skipToken"] as string | undefined) || undefined;
    } while (skipToken);
    return out;
  }

  return {
    resolution: "daily",
    usageSource,
    fetchReportedCarbon,
    validate,
    discover: () => discoverWith(createAzureArmClients(config)),
    fetchUsage,
  };
}
