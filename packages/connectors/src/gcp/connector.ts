import { BigQuery, type Query } from "@google-cloud/bigquery";
import { CloudBillingClient } from "@google-cloud/billing";
import { OAuth2Client } from "google-auth-library";
import { lookupInstanceType, type UsageRecord } from "@canopy/methodology";
import { createGcpClassifier, type RowClassifier } from "../classify";
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
import {
  BIGQUERY_SCOPE,
  BILLING_VIEWER_PERMISSIONS,
  CLOUD_BILLING_READONLY_SCOPE,
  impersonatedServiceAccountOf,
  type GcpConnectorConfig,
} from "./config";
import { gcpConnectorError, gcpRetryAfterMs } from "./gcp-errors";
import { fetchAccessToken, fetchFederatedAccessToken } from "./token";

const tablePattern =
  /^([a-z][a-z0-9-]{4,28}[a-z0-9])\.([A-Za-z0-9_]{1,1024})\.([A-Za-z0-9_$-]{1,1024})$/;

function tableOf(
  config: GcpConnectorConfig,
  name = config.billingExportTable,
): { project: string; dataset: string; table: string; ref: string } {
  const match = tablePattern.exec(name);
  if (!match) throw new ConnectorError("query", `"${name}" is not a project.dataset.table name`);
  const [, project = "", dataset = "", table = ""] = match;
  return { project, dataset, table, ref: `\`${project}.${dataset}.${table}\`` };
}

/**
 * What the connector needs to know of the export table: which optional columns it has and what its
 * partitions are cut by. Read with tables.get (`exportTableInfo`); `exportTableInfoFromName` is the
 * fallback from Google's table names when tables.get is denied.
 */
export type ExportTableInfo = {
  /** `resource.name` exists: the detailed usage cost export (`gcp_billing_export_resource_v1_…`). */
  hasResourceName: boolean;
  /** `labels` (repeated key/value record) exists: both standard and detailed exports have it. */
  hasLabels: boolean;
  /**
   * What partition elimination filters on: `_PARTITIONTIME` for the ingestion-time partitioned
   * standard and detailed exports, or the partitioning column of a copy; undefined if unpartitioned.
   */
  partition?: { column: string; type: "TIMESTAMP" | "DATE" | "DATETIME" };
};

/** Google's names: `gcp_billing_export_v1_<id>` (standard), `gcp_billing_export_resource_v1_<id>` (detailed). */
export function exportTableInfoFromName(table: string): ExportTableInfo {
  const google = /^gcp_billing_export_(resource_)?v1_/.exec(table);
  return {
    hasResourceName: Boolean(google?.[1]),
    hasLabels: true,
    ...(google ? { partition: { column: "_PARTITIONTIME", type: "TIMESTAMP" as const } } : {}),
  };
}

type TableMetadata = {
  schema?: { fields?: { name?: string; type?: string; fields?: { name?: string }[] }[] };
  timePartitioning?: { type?: string; field?: string };
};

export function exportTableInfoOf(metadata: TableMetadata): ExportTableInfo {
  const fields = metadata.schema?.fields ?? [];
  const field = (name: string) => fields.find((f) => f.name === name);
  const info: ExportTableInfo = {
    hasResourceName: Boolean(field("resource")?.fields?.some((f) => f.name === "name")),
    hasLabels: field("labels") !== undefined,
  };
  const partitioning = metadata.timePartitioning;
  if (partitioning) {
    if (!partitioning.field) info.partition = { column: "_PARTITIONTIME", type: "TIMESTAMP" };
    else {
      const type = field(partitioning.field)?.type;
      if (type === "TIMESTAMP" || type === "DATE" || type === "DATETIME")
        info.partition = { column: partitioning.field, type };
    }
  }
  return info;
}

/** ` AND <partition column> in [@partition_start, @partition_end)`, or "" for an unpartitioned table. */
function partitionPredicate(info: ExportTableInfo): string {
  if (!info.partition) return "";
  const { column, type } = info.partition;
  const bound = (param: string) => (type === "TIMESTAMP" ? param : `${type}(${param})`);
  return ` AND ${column} >= ${bound("@partition_start")} AND ${column} < ${bound("@partition_end")}`;
}

function partitionParams(
  info: ExportTableInfo,
  start: Date,
  end: Date,
): { partition_start?: Date; partition_end?: Date } {
  return info.partition ? { partition_start: start, partition_end: end } : {};
}

const DAY_MS = 86_400_000;

/**
 * The partitions a usage window's rows can be in. The exports are partitioned by ingestion time
 * (`_PARTITIONTIME`), not by usage time, and rows for an hour are written for days after it: from one
 * day before the window's start to `lagDays` (default 5) after its end.
 */
export function gcpPartitionRange(
  window: UsageWindow,
  lagDays = 5,
): { partitionStart: Date; partitionEnd: Date } {
  return {
    partitionStart: new Date(window.start.getTime() - DAY_MS),
    partitionEnd: new Date(window.end.getTime() + lagDays * DAY_MS),
  };
}

/**
 * The billing export aggregated in BigQuery: hour × project × service × SKU × region/location ×
 * machine spec (from `system_labels`) × unit × cost type × labels (× resource.name on the detailed
 * export), with each line's credits summed: every cost type is read (tax, adjustments and rounding
 * become cost-only records, credits one per line), so a sync's cost ties out to the invoice. Columns
 * are aliased to names the GCP classifier knows. Labels come back as the export's repeated key/value
 * record (sorted; grouped on their JSON text, since BigQuery cannot group by an ARRAY). The WHERE
 * clause keeps the `usage_start_time` window and adds the partition filter (`@partition_start` /
 * `@partition_end`, see `gcpPartitionRange`) so the job scans the window's partitions, not the whole
 * table.
 */
export function gcpUsageQuery(
  config: GcpConnectorConfig,
  info: ExportTableInfo = exportTableInfoFromName(tableOf(config).table),
): string {
  const { ref } = tableOf(config);
  const label = (key: string) =>
    `(SELECT l.value FROM UNNEST(system_labels) AS l WHERE l.key = '${key}' LIMIT 1)`;
  const sortedLabels =
    "ARRAY(SELECT AS STRUCT l.key, l.value FROM UNNEST(labels) AS l ORDER BY l.key, l.value)";
  const lineColumns = [
    ...(info.hasLabels
      ? [`${sortedLabels} AS label_list`, `TO_JSON_STRING(${sortedLabels}) AS label_key`]
      : []),
    ...(info.hasResourceName ? ["resource.name AS resource_name"] : []),
  ];
  const outColumns = [
    ...(info.hasLabels ? ["ANY_VALUE(label_list) AS labels"] : []),
    ...(info.hasResourceName ? ["resource_name"] : []),
  ];
  const groupBy = [
    ...(info.hasLabels ? ["label_key"] : []),
    ...(info.hasResourceName ? ["resource_name"] : []),
  ];
  return `WITH lines AS (
  SELECT TIMESTAMP_TRUNC(usage_start_time, HOUR) AS hour,
         project.id AS project_id,
         billing_account_id,
         service.description AS service_description,
         sku.description AS sku_description,
         location.region AS location_region,
         location.location AS location_location,
         ${label("compute.googleapis.com/machine_spec")} AS machine_spec,
         ${label("compute.googleapis.com/cores")} AS cores,
         ${label("compute.googleapis.com/memory")} AS memory_mb,
         usage.unit AS usage_unit,
         currency,
         cost_type,
         usage.amount AS amount,
         cost,
         ${lineColumns.map((c) => `${c},\n         `).join("")}(SELECT SUM(c.amount) FROM UNNEST(credits) AS c) AS credit_amount
  FROM ${ref}
  WHERE usage_start_time >= @start AND usage_start_time < @end${partitionPredicate(info)}
)
SELECT hour AS usage_start_time, TIMESTAMP_ADD(hour, INTERVAL 1 HOUR) AS usage_end_time, project_id, billing_account_id,
       service_description, sku_description, location_region, location_location, machine_spec, cores, memory_mb, usage_unit,
       currency, cost_type, SUM(amount) AS usage_amount, SUM(cost) AS cost, SUM(credit_amount) AS credits${outColumns.map((c) => `, ${c}`).join("")}
FROM lines
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14${groupBy.map((c) => `, ${c}`).join("")}`;
}

type BillingAuthClient = NonNullable<
  NonNullable<ConstructorParameters<typeof CloudBillingClient>[0]>["authClient"]
>;

/** Google's error text inside a JSON error body (REST transports put the body in the message). */
function googleMessageOf(message: string): string {
  const json = message.slice(message.indexOf("{"));
  try {
    const parsed = JSON.parse(json) as { error?: { message?: string; status?: string } };
    if (parsed.error?.message)
      return `${parsed.error.status ? `${parsed.error.status}: ` : ""}${parsed.error.message}`;
  } catch {
    // not JSON: the message as it is
  }
  return message;
}

const valueOf = (cell: unknown): unknown =>
  cell && typeof cell === "object" && "value" in cell ? (cell as { value: unknown }).value : cell;

/**
 * The GCP connector: service-account key (JWT grant) or workload identity federation (STS exchange,
 * optionally impersonating a service account) → OAuth token → BigQuery jobs over the billing export.
 */
export function createGcpConnector(config: GcpConnectorConfig): LiveConnector & {
  readonly resolution: "hourly";
  fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]>;
} {
  const bigQueryRoot = config.bigQueryEndpoint ?? "https://bigquery.googleapis.com";
  const call = <T>(action: string, run: () => Promise<T>, endpoint = bigQueryRoot) =>
    withBackoff(run, gcpRetryAfterMs, config.backoff).catch((error: unknown) => {
      throw gcpConnectorError(error, action, endpoint);
    });
  const federated = config.externalAccount;
  if (!federated && !config.key)
    throw new ConnectorError(
      "credentials",
      "No GCP service account key or credential configuration",
    );
  /** Who the connector signs in as, for the validate checks. */
  const identity = federated
    ? {
        check: "workload identity federation",
        name: impersonatedServiceAccountOf(federated) ?? federated.audience,
        fix: "Check the credential configuration (gcloud iam workload-identity-pools create-cred-config): its audience must name the pool provider that trusts Canopy's issuer, and the principal needs roles/iam.workloadIdentityUser on the service account",
      }
    : {
        check: "service account key",
        name: config.key?.client_email ?? "",
        fix: "Create a new JSON key for the service account (IAM → Service accounts → Keys) and reconnect",
      };

  function accessToken(scope: string) {
    if (federated)
      return call(
        "OAuth token (workload identity federation)",
        () =>
          fetchFederatedAccessToken(federated, config.subjectTokenSource, scope, {
            ...(config.stsEndpoint ? { sts: config.stsEndpoint } : {}),
            ...(config.iamCredentialsEndpoint
              ? { iamCredentials: config.iamCredentialsEndpoint }
              : {}),
          }),
        config.stsEndpoint ?? federated.token_url,
      );
    const key = config.key!;
    return call(
      "OAuth token (service account key)",
      () => fetchAccessToken(key, scope),
      key.token_uri,
    );
  }

  const billingAccount =
    config.billingAccountId &&
    /^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/i.test(config.billingAccountId)
      ? `billingAccounts/${config.billingAccountId.toUpperCase()}`
      : undefined;
  // One token for both APIs: bigquery (query jobs) and, with a billing account, Cloud Billing read-only.
  const tokenScope =
    config.scope ??
    [BIGQUERY_SCOPE, ...(billingAccount ? [CLOUD_BILLING_READONLY_SCOPE] : [])].join(" ");

  /**
   * An OAuth client holding the access token that renews itself: google-auth-library calls the
   * refresh handler (a new JWT grant, or a new federation exchange) for any request made within
   * `tokenRefreshMarginMs` (default 5 min) of the token's expiry, so a chunk that outlives one
   * token (Google: 1 h) carries on instead of getting a 401, which would read as a revoked key.
   */
  async function signIn(): Promise<OAuth2Client> {
    const auth = new OAuth2Client({
      eagerRefreshThresholdMillis: config.tokenRefreshMarginMs ?? 5 * 60_000,
    });
    const fresh = async () => {
      const { token, expiresAt } = await accessToken(tokenScope);
      return { access_token: token, expiry_date: expiresAt };
    };
    auth.setCredentials(await fresh());
    auth.refreshHandler = fresh;
    return auth;
  }

  function bigQueryOf(auth: OAuth2Client): BigQuery {
    return new BigQuery({
      projectId: config.jobProjectId ?? tableOf(config).project,
      authClient: auth,
      autoRetry: false, // our backoff is the only retry layer
      ...(config.bigQueryEndpoint ? { apiEndpoint: config.bigQueryEndpoint } : {}),
    });
  }

  async function client(): Promise<BigQuery> {
    return bigQueryOf(await signIn());
  }

  const cloudBillingRoot = config.cloudBillingEndpoint ?? "https://cloudbilling.googleapis.com";
  /**
   * The Cloud Billing client on its REST transport (`fallback`: HTTP/1.1 + JSON, which HTTPS proxies
   * pass, unlike gRPC's HTTP/2), with the connector's token; gax's own retries are off (maxRetries 0
   * per call) so our backoff is the only retry layer.
   */
  function billingClientOf(auth: OAuth2Client): CloudBillingClient {
    const endpoint = new URL(cloudBillingRoot);
    return new CloudBillingClient({
      fallback: true,
      // google-gax pins its own google-auth-library (10.5.0, ours 10.9.1): the same major and the same
      // client interface at run time, but TypeScript sees two distinct OAuth2Client classes.
      authClient: auth as unknown as BillingAuthClient,
      apiEndpoint: endpoint.hostname,
      protocol: endpoint.protocol.replace(":", ""),
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    });
  }

  /** A Cloud Billing failure in Canopy's terms; a denial names roles/billing.viewer. */
  async function billingCall<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await call(action, run, cloudBillingRoot);
    } catch (error) {
      const e = error as ConnectorError;
      const detail = googleMessageOf(e.message);
      if (/insufficient authentication scopes|ACCESS_TOKEN_SCOPE_INSUFFICIENT/i.test(e.message))
        throw new ConnectorError(
          "permission",
          `Canopy's access token lacks a Cloud Billing scope (${detail}).`,
          {
            permission: `OAuth scope ${CLOUD_BILLING_READONLY_SCOPE}`,
            fix: "Canopy asks for cloud-billing.readonly with a billing account; if Google still refuses it, check that no organization policy restricts the service account's OAuth scopes",
            cause: error,
          },
        );
      if (
        e.kind === "permission" &&
        /SERVICE_DISABLED|has not been used|is disabled/i.test(e.message)
      )
        throw new ConnectorError(
          "permission",
          `The Cloud Billing API is not enabled (${detail}).`,
          {
            permission: "cloudbilling.googleapis.com",
            fix: "Enable the Cloud Billing API in the service account's project: gcloud services enable cloudbilling.googleapis.com --project <project>",
            cause: error,
          },
        );
      if (e.kind === "permission" || e.kind === "query")
        throw new ConnectorError(
          "permission",
          `The service account may not read ${billingAccount} (${detail}).`,
          {
            permission: "billing.resourceAssociations.list",
            fix: `Grant the service account roles/billing.viewer on the billing account: gcloud billing accounts add-iam-policy-binding ${config.billingAccountId} --member serviceAccount:<email> --role roles/billing.viewer`,
            cause: error,
          },
        );
      throw error;
    }
  }

  /** The billing account's projects (ProjectBillingInfo, all pages of at most 100). */
  async function projectsOfBillingAccount(auth: OAuth2Client): Promise<DiscoveredAccount[]> {
    const billing = billingClientOf(auth);
    try {
      const out: DiscoveredAccount[] = [];
      let pageToken: string | undefined;
      do {
        const token = pageToken;
        const [infos, , response] = await billingCall("billing.resourceAssociations.list", () =>
          billing.listProjectBillingInfo(
            { name: billingAccount!, pageSize: 100, ...(token ? { pageToken: token } : {}) },
            { autoPaginate: false, maxRetries: 0 },
          ),
        );
        for (const info of infos)
          if (info.projectId)
            out.push({
              id: info.projectId,
              name: info.projectId,
              status: info.billingEnabled ? "ACTIVE" : "BILLING_DISABLED",
            });
        pageToken = response?.nextPageToken || undefined;
      } while (pageToken);
      return out;
    } finally {
      await billing.close();
    }
  }

  let tableInfo: Promise<ExportTableInfo> | undefined;
  /**
   * The export table's columns and partitioning (tables.get, once per connector). BigQuery Data
   * Viewer grants bigquery.tables.get; a custom role without it falls back to Google's table names.
   */
  function exportTableInfo(bigquery: BigQuery): Promise<ExportTableInfo> {
    const { project, dataset, table } = tableOf(config);
    tableInfo ??= call("bigquery.tables.get", () =>
      bigquery.dataset(dataset, { projectId: project }).table(table).getMetadata(),
    ).then(
      ([metadata]) => exportTableInfoOf(metadata as TableMetadata),
      (error: unknown) => {
        tableInfo = undefined;
        if (error instanceof ConnectorError && error.kind === "permission")
          return exportTableInfoFromName(table);
        throw error;
      },
    );
    return tableInfo;
  }

  /** Runs a query job and yields its result pages (getQueryResults with pageToken). */
  async function* pages(
    bigquery: BigQuery,
    query: Query,
  ): AsyncGenerator<Record<string, unknown>[]> {
    const [job] = await call("bigquery.jobs.create", () =>
      bigquery.createQueryJob({
        ...query,
        ...(config.location ? { location: config.location } : {}),
      }),
    );
    let pageToken: string | undefined;
    do {
      const token = pageToken;
      const [rows, next] = await call("bigquery.jobs.getQueryResults", () =>
        job.getQueryResults({
          autoPaginate: false,
          maxResults: config.pageSize ?? 10_000,
          ...(token ? { pageToken: token } : {}),
        }),
      );
      yield rows as Record<string, unknown>[];
      pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken ?? undefined;
    } while (pageToken);
  }

  async function validate(): Promise<PermissionCheck[]> {
    const checks: PermissionCheck[] = [];
    let bigquery: BigQuery;
    try {
      bigquery = await client();
      checks.push({
        permission: identity.check,
        status: "passed",
        message: `Signed in as ${identity.name}`,
        required: true,
      });
    } catch (error) {
      // Not reaching Google at all says nothing about the credentials: the caller reports it as its
      // own outcome ("could not reach …: proxy or firewall?"), as for AWS and Azure. Nor does an
      // outage or Canopy's own missing federation token: retried, never "could not sign in".
      if (
        error instanceof ConnectorError &&
        (error.kind === "network" || error.kind === "transient" || error.kind === "throttled")
      )
        throw error;
      const e = error as ConnectorError;
      checks.push({
        permission: e.kind === "permission" && e.permission ? e.permission : identity.check,
        status: "failed",
        message: e.message,
        fix: e.fix ?? identity.fix,
        required: true,
      });
      return checks;
    }
    if (billingAccount) checks.push(await billingCheck());
    const { ref } = tableOf(config);
    try {
      // One day of partitions: enough to prove both permissions without scanning the whole table.
      const info = await exportTableInfo(bigquery);
      const now = Date.now();
      for await (const page of pages(bigquery, {
        query: `SELECT usage_start_time FROM ${ref} WHERE TRUE${partitionPredicate(info)} LIMIT 1`,
        ...(info.partition
          ? { params: partitionParams(info, new Date(now - DAY_MS), new Date(now + DAY_MS)) }
          : {}),
      }))
        void page;
      checks.push({
        permission: "bigquery.jobs.create",
        status: "passed",
        message: "Ran a query job",
        required: true,
      });
      checks.push({
        permission: "bigquery.tables.getData",
        status: "passed",
        message: `Read ${config.billingExportTable}`,
        required: true,
      });
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === "network") throw error;
      const e = error as ConnectorError;
      checks.push({
        permission: e.permission ?? "bigquery.jobs.create",
        status: "failed",
        message: e.message,
        required: true,
        ...(e.fix ? { fix: e.fix } : {}),
      });
    }
    return checks;
  }

  /**
   * testIamPermissions on the billing account: which of roles/billing.viewer's permissions Canopy
   * uses the service account holds (optional: without them discovery reads the export instead).
   */
  async function billingCheck(): Promise<PermissionCheck> {
    const permission = "billing.resourceAssociations.list";
    const billing = billingClientOf(await signIn());
    try {
      const [answer] = await billingCall("cloudbilling.billingAccounts.testIamPermissions", () =>
        billing.testIamPermissions(
          { resource: billingAccount!, permissions: [...BILLING_VIEWER_PERMISSIONS] },
          { maxRetries: 0 },
        ),
      );
      const held = new Set(answer.permissions ?? []);
      const missing = BILLING_VIEWER_PERMISSIONS.filter((p: string) => !held.has(p));
      return missing.length === 0
        ? {
            permission,
            status: "passed",
            message: `Can list the projects of ${billingAccount}`,
            required: false,
          }
        : {
            permission: missing.join(", "),
            status: "failed",
            message: `The service account lacks ${missing.join(", ")} on ${billingAccount}; projects are discovered from the billing export instead.`,
            fix: `Grant the service account roles/billing.viewer on the billing account ${config.billingAccountId}`,
            required: false,
          };
    } catch (error) {
      // Optional: Cloud Billing refused or unreachable (a proxy that allows only BigQuery) fails this
      // check alone; the sign-in already proved Google reachable.
      const e = error as ConnectorError;
      return {
        permission: e.permission ?? permission,
        status: "failed",
        message: e.message,
        ...(e.fix ? { fix: e.fix } : {}),
        required: false,
      };
    } finally {
      await billing.close();
    }
  }

  /**
   * The billing account's projects from Cloud Billing (`listProjectBillingInfo`), or, without a
   * billing account, the permission to list it or a way to reach Cloud Billing, the projects seen in
   * the billing export over the last 30 days (what the export covers).
   */
  async function discover(): Promise<DiscoveredAccount[]> {
    const auth = await signIn();
    if (billingAccount) {
      try {
        return await projectsOfBillingAccount(auth);
      } catch (error) {
        const kind = error instanceof ConnectorError ? error.kind : undefined;
        if (kind !== "permission" && kind !== "network") throw error;
      }
    }
    const bigquery = bigQueryOf(auth);
    const { ref } = tableOf(config);
    const out: DiscoveredAccount[] = [];
    const info = await exportTableInfo(bigquery);
    const now = Date.now();
    for await (const rows of pages(bigquery, {
      query: `SELECT project.id AS id, ANY_VALUE(project.name) AS name FROM ${ref} WHERE usage_start_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 30 DAY)${partitionPredicate(info)} AND project.id IS NOT NULL GROUP BY 1 ORDER BY 1`,
      ...(info.partition
        ? { params: partitionParams(info, new Date(now - 31 * DAY_MS), new Date(now + DAY_MS)) }
        : {}),
    })) {
      for (const row of rows)
        out.push({
          id: String(row["id"]),
          name: String(row["name"] ?? row["id"]),
          status: "ACTIVE",
        });
    }
    return out;
  }

  async function* fetchUsage(
    window: UsageWindow,
    options: FetchUsageOptions = {},
  ): AsyncGenerator<UsageRecord> {
    const summary = options.summary ?? emptyFetchSummary("hourly");
    summary.resolution = "hourly";
    const bigquery = await client();
    const info = await exportTableInfo(bigquery);
    const { partitionStart, partitionEnd } = gcpPartitionRange(window, config.partitionLagDays);
    let classifier: RowClassifier | undefined;
    for await (const rows of pages(bigquery, {
      query: gcpUsageQuery(config, info),
      params: {
        start: window.start,
        end: window.end,
        ...partitionParams(info, partitionStart, partitionEnd),
      },
    })) {
      for (const row of rows) {
        summary.rowsRead++;
        const systemLabels = [
          ["compute.googleapis.com/machine_spec", row["machine_spec"]],
          ["compute.googleapis.com/cores", row["cores"]],
          ["compute.googleapis.com/memory", row["memory_mb"]],
        ]
          .filter(([, value]) => value !== null && value !== undefined)
          .map(([key, value]) => ({ key, value: String(value) }));
        const line = {
          usage_start_time: String(valueOf(row["usage_start_time"])),
          usage_end_time: String(valueOf(row["usage_end_time"])),
          project_id: row["project_id"] ?? "",
          billing_account_id: row["billing_account_id"] ?? "",
          service_description: row["service_description"] ?? "",
          sku_description: row["sku_description"] ?? "",
          location_region: row["location_region"] ?? "",
          location_location: row["location_location"] ?? "",
          system_labels: systemLabels,
          usage_unit: row["usage_unit"] ?? "",
          currency: row["currency"] ?? "",
          usage_amount: Number(valueOf(row["usage_amount"]) ?? 0),
          cost: Number(valueOf(row["cost"]) ?? 0),
          cost_type: row["cost_type"] ?? "regular",
          credits: valueOf(row["credits"]) ?? null,
          // As the file reader gets them from JSONL/Parquet: labels a [{ key, value }] list, the resource by its dotted name.
          ...(info.hasLabels ? { labels: row["labels"] ?? [] } : {}),
          ...(info.hasResourceName ? { "resource.name": row["resource_name"] ?? "" } : {}),
        };
        classifier ??= createGcpClassifier(Object.keys(line), {
          lookupInstance: lookupInstanceType,
          source: "gcp-bigquery",
        });
        yield* recordsOfOutcome(classifier.classify(line, summary.rowsRead), summary);
      }
      options.onProgress?.(summary.rowsRead);
    }
  }

  /** The month's rows of the Carbon Footprint export: scope 1, scope 2 (location and market) and scope 3, kg CO2e. */
  async function fetchReportedCarbon(month: Date | string): Promise<ReportedCarbon[]> {
    if (!config.carbonExportTable)
      throw new ConnectorError(
        "query",
        "No Carbon Footprint export table is configured for this account",
      );
    const { ref } = tableOf(config, config.carbonExportTable);
    const start = monthStartOf(month);
    const bigquery = await client();
    const out: ReportedCarbon[] = [];
    const query = `SELECT coalesce(project.id, '') AS project_id, service.description AS service, coalesce(location.region, location.location, '') AS region,
       CAST(carbon_model_version AS STRING) AS model_version,
       SUM(carbon_footprint_kgCO2e.scope1) AS scope1,
       SUM(carbon_footprint_kgCO2e.scope2.location_based) AS scope2_location,
       SUM(carbon_footprint_kgCO2e.scope2.market_based) AS scope2_market,
       SUM(carbon_footprint_kgCO2e.scope3) AS scope3
FROM ${ref}
WHERE usage_month = @month
GROUP BY 1, 2, 3, 4`;
    for await (const rows of pages(bigquery, {
      query,
      params: { month: start },
      types: { month: "DATE" },
    })) {
      for (const row of rows) {
        const base = {
          provider: "gcp" as const,
          providerAccountId: String(row["project_id"] ?? ""),
          month: start,
          service: String(row["service"] ?? ""),
          region: String(row["region"] ?? ""),
          source: "gcp-carbon-footprint-bigquery",
          modelVersion: String(row["model_version"] ?? ""),
        };
        for (const [column, scope] of [
          ["scope1", "scope1"],
          ["scope2_location", "scope2-location"],
          ["scope2_market", "scope2-market"],
          ["scope3", "scope3"],
        ] as const) {
          const value = valueOf(row[column]);
          if (value !== null && value !== undefined)
            out.push({ ...base, scope, co2eKg: Number(value) });
        }
      }
    }
    return out;
  }

  return { resolution: "hourly", validate, discover, fetchUsage, fetchReportedCarbon };
}
