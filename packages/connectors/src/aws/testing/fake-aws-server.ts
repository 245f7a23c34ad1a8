import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cur2Columns, cur2PartitionColumn } from "../cur2-columns";

/**
 * A local stand-in for the AWS endpoints the connector calls, speaking the real wire protocols so the
 * real SDK clients can be pointed at it: STS (query protocol, XML), Athena, Cost Explorer and
 * Organizations (JSON 1.1, `X-Amz-Target`), and S3 (REST-XML, path-style GET/HEAD of objects and
 * ListObjectsV2). Every request must carry a SigV4 Authorization header; the signature is not
 * verified, but the access key must be one the fake issued (or the source key for STS) and unexpired.
 *
 * A contract server: it refuses what AWS refuses (see the "AWS fake: contract rules" table in the
 * connectors README) — Athena SQL naming a column absent from the table's published schema, a
 * `product` map key that CUR 2.0 has as a static column, GetQueryResults pages over 1,000 rows,
 * AssumeRole durations outside 900 s–MaxSessionDuration, session credentials past their expiry.
 */

export type FakeFailure = { status: number; type: string; message: string };

export type CeUsageRow = {
  date: string; // YYYY-MM-DD
  account: string;
  service: string; // Cost Explorer display name
  usageType: string;
  region: string;
  quantity: number;
  unit: string;
  cost: number;
};

export type FakeAwsOptions = {
  roleArn: string;
  externalId: string;
  sourceAccessKeyId: string;
  /** The role's MaxSessionDuration (s): AssumeRole refuses a longer DurationSeconds. Default 3600. */
  maxSessionSeconds?: number;
};

type Recorded = { target: string; accessKeyId: string | undefined; body: string };

/** The columns of the Data Exports CARBON_EMISSIONS table the carbon query reads. */
export const carbonExportColumns = [
  "usage_account_id",
  "payer_account_id",
  "region_code",
  "location",
  "product_code",
  "model_version",
  "usage_period_start",
  "usage_period_end",
  "total_lbm_emissions_value",
  "total_lbm_emissions_unit",
  "total_mbm_emissions_value",
  "total_mbm_emissions_unit",
  "last_refresh_timestamp",
] as const;

/** One month of the Sustainability API's data for an account × region × service (values in MTCO2e). */
export type SustainabilityRow = {
  month: string; // YYYY-MM
  account: string;
  region: string;
  service: string;
  modelVersion: string;
  values: Partial<Record<(typeof sustainabilityTypes)[number], number>>;
};

/** GetEstimatedCarbonEmissions' documented enums (API reference, request body). */
const sustainabilityTypes = [
  "TOTAL_LBM_CARBON_EMISSIONS",
  "TOTAL_MBM_CARBON_EMISSIONS",
  "TOTAL_SCOPE_1_CARBON_EMISSIONS",
  "TOTAL_SCOPE_2_LBM_CARBON_EMISSIONS",
  "TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS",
  "TOTAL_SCOPE_3_LBM_CARBON_EMISSIONS",
  "TOTAL_SCOPE_3_MBM_CARBON_EMISSIONS",
] as const;
const sustainabilityDimensions = ["USAGE_ACCOUNT_ID", "REGION", "SERVICE"] as const;
const sustainabilityGranularities = [
  "YEARLY_CALENDAR",
  "YEARLY_FISCAL",
  "QUARTERLY_CALENDAR",
  "QUARTERLY_FISCAL",
  "MONTHLY",
];

/** One billing period of the fake CUR 2.0 export: when its data files and its Manifest.json were written. */
type ExportPeriod = { dataModified: Date[]; manifestModified: Date | undefined; version: number };

export type FakeAws = {
  url: string;
  /** Every AWS endpoint the connector calls, pointed at this server (AwsConnectorConfig.endpoints). */
  endpoints: {
    sts: string;
    athena: string;
    costExplorer: string;
    organizations: string;
    s3: string;
    sustainability: string;
    cloudwatch: string;
  };
  requests: Recorded[];
  /** The next calls to `target` (e.g. "AmazonAthena.StartQueryExecution", "STS.AssumeRole", "S3.GetObject") fail with these. */
  failNext(target: string, ...failures: FakeFailure[]): void;
  /** After `okCalls` more successful calls to `target`, the next `times` calls fail with `failure`. */
  failAfter(target: string, okCalls: number, failure: FakeFailure, times?: number): void;
  /** Every call to `target` is denied with AccessDenied naming `action` ("" lifts it). */
  deny(target: string, action: string): void;
  /** Athena queries fail with this StateChangeReason. */
  failQueries(reason: string | undefined): void;
  /** The Athena result of a query (rows without the header), given its SQL. */
  setAthenaResult(columns: string[], rows: (sql: string) => Iterable<(string | null)[]>): void;
  /** The published columns of a table (by name); tables not listed have the CUR 2.0 schema. */
  setTableColumns(table: string, columns: readonly string[]): void;
  /** What the Sustainability API answers from (one model version per month, as AWS: the latest). */
  setSustainabilityEmissions(rows: SustainabilityRow[]): void;
  /** The usage Cost Explorer answers from. */
  setCostExplorerUsage(rows: CeUsageRow[]): void;
  setAccounts(accounts: { Id: string; Name: string; Status: string }[]): void;
  /** Changes what the role trusts, e.g. the external id a wizard generated after the fake started. */
  trust(next: Partial<FakeAwsOptions>): void;
  /** Temporary credentials issued so far stop working (ExpiredTokenException). */
  expireCredentials(): void;
  /**
   * How long credentials issued from now on live, in ms (AWS: DurationSeconds, 1 h here). Tests
   * shorten it to see a sync outlive its session; the AssumeRole answer's Expiration says the truth.
   */
  setSessionLifetimeMs(ms: number): void;
  /** Requests refused because their session had expired. */
  expiredRejections(): number;
  /** A CUR 2.0 export at s3://bucket/prefix/name (no trailing slash), its periods delivered and complete. */
  setExport(location: string, periods: string[]): void;
  /** AWS starts refreshing a period: its data files are rewritten now, the manifest comes at `finishRefresh`. */
  startRefresh(period: string): void;
  /** The refresh of a period is complete: Manifest.json is rewritten after the data files. */
  finishRefresh(period: string): void;
  /** Runs `hook` once, when the next Athena query is first polled (e.g. a refresh starting mid-query). */
  duringNextQuery(hook: () => void): void;
  /** The next result object download is cut (socket destroyed) after about `bytes` bytes. */
  cutNextResult(bytes: number): void;
  /** S3 object keys written by Athena: `s3://bucket/key` of each query's result CSV. */
  resultObjects(): string[];
  /** CloudWatch `AWS/EC2` `CPUUtilization` of an instance: hourly averages (percent) by hour start. */
  setCpuUtilization(instanceId: string, hours: { hour: Date; percent: number }[]): void;
  /**
   * CloudWatch limits the fake applies: datapoints per GetMetricData page before `NextToken`
   * (AWS: MaxDatapoints, default 100,800) and GetMetricData calls allowed per second (AWS: 50 TPS
   * per Region by default; over it → Throttling). Defaults are AWS's.
   */
  setCloudWatchLimits(limits: { datapointsPerPage?: number; callsPerSecond?: number }): void;
  /** GetMetricData requests answered (not refused), with their region (from the SigV4 scope). */
  metricDataCalls: { region: string; queries: number; at: number }[];
  sqlSeen: string[];
  close(): Promise<void>;
};

const stsNs = "https://sts.amazonaws.com/doc/2011-06-15/";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const accessKeyOf = (authorization: string | undefined) =>
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\//.exec(authorization ?? "")?.[1];

const sqlKeywords = new Set(
  (
    "select from where and or not in is null group by order asc desc limit as timestamp date " +
    "interval case when then else end distinct between like json varchar double bigint integer " +
    "having true false on join with all union offset"
  ).split(" "),
);

/** Blanks the characters of string literals and quoted identifiers, keeping every offset. */
function blankQuoted(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, (m) => " ".repeat(m.length));
}

function lineColumnOf(sql: string, offset: number) {
  const before = sql.slice(0, offset).split("\n");
  return `line ${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * Why Athena would fail this SQL against a table with `columns`, or undefined. Checks each bare
 * identifier that is not a keyword, a function name or an alias (Trino: COLUMN_NOT_FOUND), and the
 * `product` map keys that CUR 2.0 holds as static columns (Athena answers NULL for them; the fake
 * refuses so a regression fails loudly — modelled).
 */
export function athenaSqlError(sql: string, columns: readonly string[]): string | undefined {
  const known = new Set([...columns.map((c) => c.toLowerCase()), cur2PartitionColumn]);
  for (const m of sql.matchAll(
    /element_at\s*\(\s*product\s*,\s*'([^']+)'\s*\)|product\s*\[\s*'([^']+)'\s*\]/gi,
  )) {
    const key = (m[1] ?? m[2] ?? "").toLowerCase();
    if (known.has(`product_${key}`))
      return `COLUMN_NOT_FOUND: ${lineColumnOf(sql, m.index)}: the product map has no key '${key}': in CUR 2.0 it is the static column product_${key} (fake: Athena itself answers NULL)`;
  }
  const blanked = blankQuoted(sql);
  const aliases = new Set(
    [...blanked.matchAll(/\bAS\s+([A-Za-z_][A-Za-z0-9_]*)/gi)].map((m) => m[1]!.toLowerCase()),
  );
  for (const m of blanked.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const word = m[0].toLowerCase();
    const after = blanked.slice(m.index + m[0].length).trimStart();
    if (after.startsWith("(") || sqlKeywords.has(word) || aliases.has(word)) continue;
    const previous = blanked[m.index - 1];
    if (previous && /[0-9.]/.test(previous)) continue; // 1e5, a.b after a quoted name
    if (!known.has(word))
      return `COLUMN_NOT_FOUND: ${lineColumnOf(sql, m.index)}: Column '${m[0]}' cannot be resolved or requester is not authorized to access requested resources`;
  }
  return undefined;
}

/** Athena's CSV result: a header, every value in double quotes (doubled inside), NULL as an empty field. */
function* resultCsv(columns: string[], rows: Iterable<(string | null)[]>): Generator<string> {
  const cell = (v: string | null) => (v === null ? "" : `"${v.replaceAll('"', '""')}"`);
  yield columns.map(cell).join(",") + "\n";
  let chunk = "";
  for (const row of rows) {
    chunk += row.map(cell).join(",") + "\n";
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

const xmlEscape = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export async function startFakeAws(
  options: FakeAwsOptions,
  pageSizes: { ce?: number; organizations?: number; s3List?: number; sustainability?: number } = {},
): Promise<FakeAws> {
  const trusted = { ...options };
  const failures = new Map<string, FakeFailure[]>();
  const delayed = new Map<string, { okCalls: number; failure: FakeFailure; times: number }>();
  const denied = new Map<string, string>();
  /** Issued session keys → expiry (ms since epoch). */
  const issued = new Map<string, number>();
  let sessionLifetimeMs: number | undefined;
  let expiredCount = 0;
  let queryFailure: string | undefined;
  let athenaColumns: string[] = [];
  let athenaRows: (sql: string) => Iterable<(string | null)[]> = () => [];
  const tableColumns = new Map<string, readonly string[]>([
    ["carbon_emissions", carbonExportColumns],
  ]);
  let ceUsage: CeUsageRow[] = [];
  let sustainabilityRows: SustainabilityRow[] = [];
  let accounts: { Id: string; Name: string; Status: string }[] = [];
  const executions = new Map<
    string,
    { sql: string; polls: number; output: string; failure?: string }
  >();
  const resultObjects = new Map<string, string>(); // "bucket/key" → execution id
  let exportLocation: { bucket: string; prefix: string; name: string } | undefined;
  const exportPeriods = new Map<string, ExportPeriod>();
  let queryHook: (() => void) | undefined;
  let cutAfterBytes: number | undefined;
  /** instance id → hour start (ms) → average percent. */
  const cpuByInstance = new Map<string, Map<number, number>>();
  const cloudWatchLimits = { datapointsPerPage: 100_800, callsPerSecond: 50 };
  const metricDataCalls: { region: string; queries: number; at: number }[] = [];
  const recentMetricCalls: number[] = [];
  const requests: Recorded[] = [];
  const sqlSeen: string[] = [];
  let issuedCount = 0;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-requestid": "fake",
    });
    res.end(JSON.stringify(body));
  };
  const jsonError = (res: ServerResponse, f: FakeFailure) =>
    json(res, f.status, { __type: f.type, Message: f.message });
  const stsError = (res: ServerResponse, f: FakeFailure) => {
    res.writeHead(f.status, { "content-type": "text/xml" });
    res.end(
      `<ErrorResponse xmlns="${stsNs}"><Error><Type>Sender</Type><Code>${f.type}</Code><Message>${xmlEscape(f.message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
    );
  };
  const s3Error = (res: ServerResponse, f: FakeFailure, head = false) => {
    res.writeHead(f.status, { "content-type": "application/xml", "x-amz-request-id": "fake" });
    res.end(
      head
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${f.type}</Code><Message>${xmlEscape(f.message)}</Message><RequestId>fake</RequestId></Error>`,
    );
  };

  /** REST-JSON errors: the type in `x-amzn-ErrorType`, `{ message }` in the body. */
  const restJsonError = (res: ServerResponse, f: FakeFailure) => {
    res.writeHead(f.status, {
      "content-type": "application/json",
      "x-amzn-errortype": f.type,
      "x-amzn-requestid": "fake",
    });
    res.end(JSON.stringify({ message: f.message }));
  };

  function sustainability(res: ServerResponse, body: Record<string, unknown>) {
    const invalid = (message: string) =>
      restJsonError(res, { status: 400, type: "ValidationException", message });
    const period = body["TimePeriod"] as { Start?: unknown; End?: unknown } | undefined;
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
    if (!period || typeof period.Start !== "string" || typeof period.End !== "string")
      return invalid("TimePeriod with Start and End is required");
    if (!iso.test(period.Start) || !iso.test(period.End))
      return invalid(
        "TimePeriod Start and End must be ISO-8601 timestamps (YYYY-MM-DDThh:mm:ss.sssZ)",
      );
    if (Date.parse(period.End) <= Date.parse(period.Start))
      return invalid("TimePeriod End must be after Start");
    const types = (body["EmissionsTypes"] as string[] | undefined) ?? [
      "TOTAL_LBM_CARBON_EMISSIONS",
      "TOTAL_MBM_CARBON_EMISSIONS",
    ];
    const badType = types.find((t) => !(sustainabilityTypes as readonly string[]).includes(t));
    if (badType)
      return invalid(`Value '${badType}' at 'emissionsTypes' failed to satisfy enum constraint`);
    const groupBy = (body["GroupBy"] as string[] | undefined) ?? [];
    const badDim = groupBy.find(
      (d) => !(sustainabilityDimensions as readonly string[]).includes(d),
    );
    if (badDim) return invalid(`Value '${badDim}' at 'groupBy' failed to satisfy enum constraint`);
    const granularity = body["Granularity"] ?? "MONTHLY";
    if (!sustainabilityGranularities.includes(String(granularity)))
      return invalid(
        `Value '${String(granularity)}' at 'granularity' failed to satisfy enum constraint`,
      );
    if (granularity !== "MONTHLY") return invalid("the fake answers MONTHLY granularity only");
    const fieldOf = { USAGE_ACCOUNT_ID: "account", REGION: "region", SERVICE: "service" } as const;
    const groups = new Map<
      string,
      { month: string; dims: Record<string, string>; model: string; values: Record<string, number> }
    >();
    for (const r of sustainabilityRows) {
      const at = Date.parse(`${r.month}-01T00:00:00Z`);
      if (at < Date.parse(period.Start) || at >= Date.parse(period.End)) continue;
      const dims = Object.fromEntries(
        groupBy.map((d) => [d, r[fieldOf[d as keyof typeof fieldOf]]]),
      );
      const key = `${r.month}|${JSON.stringify(dims)}`;
      const g = groups.get(key) ?? { month: r.month, dims, model: r.modelVersion, values: {} };
      for (const t of types) {
        const v = r.values[t as (typeof sustainabilityTypes)[number]];
        if (v !== undefined) g.values[t] = (g.values[t] ?? 0) + v;
      }
      groups.set(key, g);
    }
    const all = [...groups.values()];
    const size = pageSizes.sustainability ?? 2;
    const offset = body["NextToken"] ? Number(String(body["NextToken"]).slice(4)) : 0;
    const page = all.slice(offset, offset + size);
    const monthEnd = (m: string) => {
      const d = new Date(`${m}-01T00:00:00Z`);
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
    };
    res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": "fake" });
    res.end(
      JSON.stringify({
        Results: page.map((g) => ({
          TimePeriod: { Start: `${g.month}-01T00:00:00.000Z`, End: monthEnd(g.month) },
          DimensionsValues: g.dims,
          ModelVersion: g.model,
          EmissionsValues: Object.fromEntries(
            Object.entries(g.values).map(([t, v]) => [t, { Value: v, Unit: "MTCO2e" }]),
          ),
        })),
        ...(offset + size < all.length ? { NextToken: `tok-${offset + size}` } : {}),
      }),
    );
  }

  function sts(res: ServerResponse, params: URLSearchParams, accessKeyId: string | undefined) {
    if (params.get("Action") !== "AssumeRole")
      return stsError(res, { status: 400, type: "InvalidAction", message: "unsupported" });
    if (accessKeyId !== trusted.sourceAccessKeyId) {
      return stsError(res, {
        status: 403,
        type: "InvalidClientTokenId",
        message: "The security token included in the request is invalid.",
      });
    }
    if (
      params.get("RoleArn") !== trusted.roleArn ||
      params.get("ExternalId") !== trusted.externalId
    ) {
      return stsError(res, {
        status: 403,
        type: "AccessDenied",
        message: `User: arn:aws:iam::999999999999:user/canopy is not authorized to perform: sts:AssumeRole on resource: ${params.get("RoleArn")}`,
      });
    }
    // DurationSeconds: 900 s to the role's MaxSessionDuration, default 3600 (AssumeRole API reference).
    const duration = Number(params.get("DurationSeconds") ?? 3600);
    const max = trusted.maxSessionSeconds ?? 3600;
    if (!(duration >= 900))
      return stsError(res, {
        status: 400,
        type: "ValidationError",
        message: `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
      });
    if (duration > max)
      return stsError(res, {
        status: 400,
        type: "ValidationError",
        message: `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      });
    const key = `ASIAFAKE${String(++issuedCount).padStart(8, "0")}`;
    const expiresAt = Date.now() + (sessionLifetimeMs ?? duration * 1000);
    issued.set(key, expiresAt);
    const expiration = new Date(expiresAt).toISOString();
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(
      `<AssumeRoleResponse xmlns="${stsNs}"><AssumeRoleResult><Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>fake-secret-${issuedCount}</SecretAccessKey><SessionToken>fake-session-${issuedCount}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${trusted.roleArn}/canopy-sync</Arn><AssumedRoleId>AROAFAKE:canopy-sync</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  }

  function athena(res: ServerResponse, op: string, body: Record<string, unknown>) {
    if (op === "StartQueryExecution") {
      const id = `q-${executions.size + 1}`;
      const sql = String(body["QueryString"]);
      sqlSeen.push(sql);
      const configured = (body["ResultConfiguration"] as { OutputLocation?: string } | undefined)
        ?.OutputLocation;
      // Without one, the workgroup's result location (the fake's "primary" workgroup has this one).
      const base = configured ?? "s3://aws-athena-query-results-fake/";
      const output = `${base.endsWith("/") ? base : `${base}/`}${id}.csv`;
      const table = /FROM\s+"?([A-Za-z0-9_]+)"?\s*\.\s*"?([A-Za-z0-9_]+)"?/i.exec(sql)?.[2];
      const failure = athenaSqlError(sql, tableColumns.get(table ?? "") ?? cur2Columns);
      executions.set(id, { sql, polls: 0, output, ...(failure ? { failure } : {}) });
      resultObjects.set(output.slice("s3://".length), id);
      return json(res, 200, { QueryExecutionId: id });
    }
    const id = String(body["QueryExecutionId"]);
    const execution = executions.get(id);
    if (!execution)
      return jsonError(res, {
        status: 400,
        type: "InvalidRequestException",
        message: `QueryExecution ${id} was not found`,
      });
    if (op === "GetQueryExecution") {
      execution.polls++;
      if (execution.polls === 1 && queryHook) {
        const hook = queryHook;
        queryHook = undefined;
        hook();
      }
      const failure = execution.failure ?? queryFailure;
      const state = execution.polls < 2 ? "RUNNING" : failure ? "FAILED" : "SUCCEEDED";
      return json(res, 200, {
        QueryExecution: {
          QueryExecutionId: id,
          Query: execution.sql,
          ResultConfiguration: { OutputLocation: execution.output },
          Status: {
            State: state,
            ...(state === "FAILED"
              ? { StateChangeReason: failure, AthenaError: { ErrorCategory: 2 } }
              : {}),
          },
        },
      });
    }
    if (op === "GetQueryResults") {
      // MaxResults: 1–1000 (GetQueryResults API reference).
      const max = Number(body["MaxResults"] ?? 1000);
      if (!(max >= 1 && max <= 1000))
        return jsonError(res, {
          status: 400,
          type: "InvalidRequestException",
          message: `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
        });
      const rows = [...athenaRows(execution.sql)];
      const offset = body["NextToken"] ? Number(String(body["NextToken"]).slice(4)) : 0;
      const slice = rows.slice(offset, offset + max - (offset === 0 ? 1 : 0));
      const cells = (values: (string | null)[]) => ({
        Data: values.map((v) => (v === null ? {} : { VarCharValue: v })),
      });
      const page = offset === 0 ? [cells(athenaColumns), ...slice.map(cells)] : slice.map(cells);
      const next = offset + slice.length;
      return json(res, 200, {
        UpdateCount: 0,
        ResultSet: {
          Rows: page,
          ResultSetMetadata: {
            ColumnInfo: athenaColumns.map((Name) => ({ Name, Label: Name, Type: "varchar" })),
          },
        },
        ...(next < rows.length ? { NextToken: `tok-${next}` } : {}),
      });
    }
    return jsonError(res, { status: 400, type: "UnknownOperationException", message: op });
  }

  /** AWS JSON 1.0 answers (CloudWatch's protocol; timestamps are epoch seconds). */
  const json10 = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": "fake",
    });
    res.end(JSON.stringify(body));
  };
  const cwError = (res: ServerResponse, status: number, type: string, message: string) =>
    json10(res, status, { __type: type, message });

  /**
   * GetMetricData, per https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html:
   * 1–500 MetricDataQuery structures; each Id unique, starting with a lower-case letter
   * (`^[a-z][a-zA-Z0-9_]*$`); Period 1, 5, 10, 20, 30 or a multiple of 60; a statistic CloudWatch
   * knows; StartTime before EndTime; results past MaxDatapoints (default 100,800) paged by
   * NextToken; timestamps are period starts. A metric or dimension the account does not have is not
   * an error: its result is empty (StatusCode Complete). Data older than 455 days is gone (one-hour
   * datapoints are kept 15 months: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention).
   */
  function cloudWatch(
    res: ServerResponse,
    region: string,
    op: string,
    body: Record<string, unknown>,
  ) {
    if (op !== "GetMetricData")
      return cwError(res, 400, "InvalidAction", `Unknown operation ${op}`);
    // GetMetricData's default quota: 50 TPS per Region (cloudwatch_limits.html); over it AWS throttles.
    const now = Date.now();
    while (recentMetricCalls.length && recentMetricCalls[0]! <= now - 1000)
      recentMetricCalls.shift();
    if (recentMetricCalls.length >= cloudWatchLimits.callsPerSecond)
      return cwError(res, 400, "Throttling", "Rate exceeded");
    recentMetricCalls.push(now);
    const queries = (body["MetricDataQueries"] ?? []) as {
      Id?: string;
      MetricStat?: {
        Metric?: {
          Namespace?: string;
          MetricName?: string;
          Dimensions?: { Name?: string; Value?: string }[];
        };
        Period?: number;
        Stat?: string;
      };
      Expression?: string;
      ReturnData?: boolean;
    }[];
    if (!Array.isArray(queries) || queries.length === 0)
      return cwError(res, 400, "MissingParameter", "The parameter MetricDataQueries is required.");
    if (queries.length > 500)
      return cwError(
        res,
        400,
        "ValidationError",
        `1 validation error detected: Value '[${queries.length} items]' at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to 500`,
      );
    const ids = new Set<string>();
    const knownStats =
      /^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?|tm\d+|wm\d+|IQM)$/;
    for (const q of queries) {
      if (!q.Id || !/^[a-z][a-zA-Z0-9_]*$/.test(q.Id))
        return cwError(
          res,
          400,
          "ValidationError",
          `Invalid metric data query id ${q.Id ?? "(none)"}: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
        );
      if (ids.has(q.Id))
        return cwError(
          res,
          400,
          "ValidationError",
          `The values for parameter id in MetricDataQueries are not unique.`,
        );
      ids.add(q.Id);
      if (!q.MetricStat && !q.Expression)
        return cwError(
          res,
          400,
          "ValidationError",
          `Query ${q.Id} needs MetricStat or Expression.`,
        );
      const period = q.MetricStat?.Period;
      if (
        q.MetricStat &&
        !(
          period !== undefined &&
          ([1, 5, 10, 20, 30].includes(period) || (period >= 60 && period % 60 === 0))
        )
      )
        return cwError(
          res,
          400,
          "InvalidParameterValue",
          `The parameter MetricDataQueries.member.Period must be 1, 5, 10, 20, 30, 60, or any multiple of 60 (was ${period}).`,
        );
      if (q.MetricStat && !knownStats.test(q.MetricStat.Stat ?? ""))
        return cwError(
          res,
          400,
          "InvalidParameterValue",
          `The value ${q.MetricStat.Stat} for parameter MetricDataQueries.member.MetricStat.Stat is not supported.`,
        );
    }
    const start = Number(body["StartTime"]) * 1000;
    const end = Number(body["EndTime"]) * 1000;
    if (!Number.isFinite(start) || !Number.isFinite(end))
      return cwError(
        res,
        400,
        "MissingParameter",
        "The parameters StartTime and EndTime are required.",
      );
    if (start >= end)
      return cwError(
        res,
        400,
        "InvalidParameterValue",
        "The parameter StartTime must be less than the parameter EndTime.",
      );
    const retentionStart = now - 455 * 86_400_000;
    // Every datapoint of the answer, in query order then time (ScanBy TimestampAscending), paged.
    const points: { id: string; t: number; v: number }[] = [];
    for (const q of queries) {
      const m = q.MetricStat;
      const metric = m?.Metric;
      const instance =
        metric?.Dimensions?.length === 1 && metric.Dimensions[0]?.Name === "InstanceId"
          ? metric.Dimensions[0].Value
          : undefined;
      const series =
        metric?.Namespace === "AWS/EC2" && metric.MetricName === "CPUUtilization" && instance
          ? cpuByInstance.get(instance)
          : undefined;
      if (!series || !m?.Period) continue;
      // The stored hourly averages, re-bucketed by the asked period (hourly or coarser).
      const buckets = new Map<number, { sum: number; n: number }>();
      for (const [hour, percent] of series) {
        if (hour < start || hour >= end || hour < retentionStart) continue;
        const bucket = start + Math.floor((hour - start) / (m.Period * 1000)) * m.Period * 1000;
        const b = buckets.get(bucket) ?? { sum: 0, n: 0 };
        b.sum += percent;
        b.n++;
        buckets.set(bucket, b);
      }
      for (const [t, b] of [...buckets].sort((a, c) => a[0] - c[0]))
        points.push({ id: q.Id!, t, v: b.sum / b.n });
    }
    const offset = body["NextToken"] ? Number(String(body["NextToken"]).replace(/^cw-/, "")) : 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > points.length)
      return cwError(res, 400, "InvalidNextToken", "The service couldn't process the NextToken.");
    const page = points.slice(offset, offset + cloudWatchLimits.datapointsPerPage);
    const next = offset + page.length;
    metricDataCalls.push({ region, queries: queries.length, at: now });
    return json10(res, 200, {
      MetricDataResults: queries.map((q) => {
        const mine = page.filter((p) => p.id === q.Id);
        return {
          Id: q.Id,
          Label: q.MetricStat?.Metric?.MetricName ?? q.Id,
          Timestamps: mine.map((p) => p.t / 1000),
          Values: mine.map((p) => p.v),
          StatusCode: next < points.length ? "PartialData" : "Complete",
        };
      }),
      ...(next < points.length ? { NextToken: `cw-${next}` } : {}),
      Messages: [],
    });
  }

  type Dim = { Key: string; Values: string[] };
  type Expr = { Dimensions?: Dim; And?: Expr[] };
  const dimsOf = (e: Expr | undefined): Dim[] =>
    e ? [...(e.Dimensions ? [e.Dimensions] : []), ...(e.And ?? []).flatMap(dimsOf)] : [];
  const ceField: Record<string, keyof CeUsageRow> = {
    LINKED_ACCOUNT: "account",
    SERVICE: "service",
    USAGE_TYPE: "usageType",
    REGION: "region",
  };

  function costExplorer(res: ServerResponse, body: Record<string, unknown>) {
    const period = body["TimePeriod"] as { Start: string; End: string };
    const groupBy = (body["GroupBy"] as { Key: string }[] | undefined) ?? [];
    if (groupBy.length > 2)
      return jsonError(res, {
        status: 400,
        type: "ValidationException",
        message: "GroupBy can have at most 2 entries",
      });
    const filters = dimsOf(body["Filter"] as Expr | undefined).filter(
      (d) => d.Key !== "RECORD_TYPE",
    );
    const matching = ceUsage.filter(
      (r) =>
        r.date >= period.Start &&
        r.date < period.End &&
        filters.every((f) => f.Values.includes(String(r[ceField[f.Key] ?? "account"]))),
    );
    // Group per (day, keys); then page by group count.
    const groups = new Map<
      string,
      { date: string; keys: string[]; quantity: number; cost: number; unit: string }
    >();
    for (const r of matching) {
      const keys = groupBy.map((g) => String(r[ceField[g.Key] ?? "account"]));
      const key = `${r.date}|${keys.join("|")}`;
      const g = groups.get(key) ?? { date: r.date, keys, quantity: 0, cost: 0, unit: r.unit };
      g.quantity += r.quantity;
      g.cost += r.cost;
      groups.set(key, g);
    }
    const all = [...groups.values()].sort((a, b) => a.date.localeCompare(b.date));
    const pageSize = pageSizes.ce ?? 1000;
    const offset = body["NextPageToken"] ? Number(String(body["NextPageToken"]).slice(4)) : 0;
    const page = all.slice(offset, offset + pageSize);
    const byDay = new Map<string, typeof page>();
    for (const g of page) byDay.set(g.date, [...(byDay.get(g.date) ?? []), g]);
    const nextDay = (d: string) =>
      new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return json(res, 200, {
      GroupDefinitions: groupBy.map((g) => ({ Type: "DIMENSION", Key: g.Key })),
      ResultsByTime: [...byDay].map(([date, gs]) => ({
        TimePeriod: { Start: date, End: nextDay(date) },
        Total: {},
        Groups: gs.map((g) => ({
          Keys: g.keys,
          Metrics: {
            UnblendedCost: { Amount: g.cost.toFixed(6), Unit: "USD" },
            UsageQuantity: {
              Amount: String(g.quantity),
              Unit: groupBy.some((x) => x.Key === "USAGE_TYPE") ? g.unit : "N/A",
            },
          },
        })),
        Estimated: false,
      })),
      DimensionValueAttributes: [],
      ...(offset + pageSize < all.length ? { NextPageToken: `tok-${offset + pageSize}` } : {}),
    });
  }

  function organizations(res: ServerResponse, body: Record<string, unknown>) {
    const size = Math.min(Number(body["MaxResults"] ?? 20), pageSizes.organizations ?? 20);
    const offset = body["NextToken"] ? Number(String(body["NextToken"]).slice(4)) : 0;
    const page = accounts.slice(offset, offset + size);
    return json(res, 200, {
      Accounts: page.map((a) => ({
        ...a,
        Arn: `arn:aws:organizations::${a.Id}:account/o-fake/${a.Id}`,
        Email: `${a.Id}@example.com`,
        JoinedMethod: "CREATED",
        JoinedTimestamp: 1_700_000_000,
      })),
      ...(offset + size < accounts.length ? { NextToken: `tok-${offset + size}` } : {}),
    });
  }

  /** The export's objects: data files and Manifest.json per billing period. */
  function exportObjects(): { key: string; modified: Date; body: () => string }[] {
    if (!exportLocation) return [];
    const { prefix, name } = exportLocation;
    const root = `${prefix ? `${prefix}/` : ""}${name}`;
    const out: { key: string; modified: Date; body: () => string }[] = [];
    for (const [period, p] of exportPeriods) {
      p.dataModified.forEach((modified, i) =>
        out.push({
          key: `${root}/data/BILLING_PERIOD=${period}/${name}-${String(i + 1).padStart(5, "0")}.snappy.parquet`,
          modified,
          body: () => "PAR1",
        }),
      );
      if (p.manifestModified)
        out.push({
          key: `${root}/metadata/BILLING_PERIOD=${period}/${name}-Manifest.json`,
          modified: p.manifestModified,
          body: () =>
            JSON.stringify({
              executionId: `exec-${period}-${p.version}`,
              exportName: name,
              billingPeriod: { start: `${period}-01`, end: "" },
              dataFiles: p.dataModified.map(
                (_, i) =>
                  `s3://${exportLocation!.bucket}/${root}/data/BILLING_PERIOD=${period}/${name}-${String(i + 1).padStart(5, "0")}.snappy.parquet`,
              ),
            }),
        });
    }
    return out;
  }

  function s3(req: IncomingMessage, res: ServerResponse, target: string) {
    const url = new URL(req.url ?? "/", "http://fake");
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const head = req.method === "HEAD";
    if (target === "S3.ListObjectsV2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const max = Math.min(
        Number(url.searchParams.get("max-keys") ?? 1000),
        pageSizes.s3List ?? 1000,
      );
      const after = url.searchParams.get("continuation-token") ?? "";
      const all = exportObjects()
        .filter((o) => bucket === exportLocation?.bucket && o.key.startsWith(prefix))
        .sort((a, b) => a.key.localeCompare(b.key))
        .filter((o) => o.key > after);
      const page = all.slice(0, max);
      const truncated = all.length > max;
      res.writeHead(200, { "content-type": "application/xml" });
      return res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${xmlEscape(page.at(-1)!.key)}</NextContinuationToken>` : ""}${page
          .map(
            (o) =>
              `<Contents><Key>${xmlEscape(o.key)}</Key><LastModified>${o.modified.toISOString()}</LastModified><ETag>"${createHash(
                "md5",
              )
                .update(o.key + o.modified.toISOString())
                .digest(
                  "hex",
                )}"</ETag><Size>4</Size><StorageClass>STANDARD</StorageClass></Contents>`,
          )
          .join("")}</ListBucketResult>`,
      );
    }
    const executionId = resultObjects.get(`${bucket}/${key}`);
    if (executionId) {
      const execution = executions.get(executionId)!;
      if (execution.polls < 2 || execution.failure || queryFailure)
        return s3Error(
          res,
          { status: 404, type: "NoSuchKey", message: "The specified key does not exist." },
          head,
        );
      if (head) {
        res.writeHead(200, { "content-type": "text/csv", etag: `"${executionId}"` });
        return res.end();
      }
      const chunks = resultCsv(athenaColumns, athenaRows(execution.sql));
      const cut = cutAfterBytes;
      cutAfterBytes = undefined;
      if (cut !== undefined) {
        // The whole object's length is announced, then the connection drops part-way.
        const whole = Buffer.from([...chunks].join(""));
        res.writeHead(200, { "content-type": "text/csv", "content-length": whole.length });
        res.write(whole.subarray(0, Math.min(cut, whole.length - 1)));
        return setTimeout(() => res.destroy(), 20);
      }
      res.writeHead(200, { "content-type": "text/csv", etag: `"${executionId}"` });
      const pump = () => {
        for (;;) {
          const next = chunks.next();
          if (next.done) return res.end();
          if (!res.write(next.value)) return res.once("drain", pump);
        }
      };
      return pump();
    }
    const object = exportObjects().find((o) => bucket === exportLocation?.bucket && o.key === key);
    if (!object)
      return s3Error(
        res,
        { status: 404, type: "NoSuchKey", message: "The specified key does not exist." },
        head,
      );
    const body = object.body();
    res.writeHead(200, {
      "content-type": "application/json",
      "last-modified": object.modified.toUTCString(),
      etag: `"${createHash("md5")
        .update(body + object.modified.toISOString())
        .digest("hex")}"`,
      "content-length": Buffer.byteLength(body),
    });
    return res.end(head ? undefined : body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const amzTarget = req.headers["x-amz-target"];
    const isS3 = !amzTarget && (req.method === "GET" || req.method === "HEAD");
    const isSustainability =
      !amzTarget &&
      req.method === "POST" &&
      (req.url ?? "").startsWith("/v1/estimated-carbon-emissions");
    const isSts = !amzTarget && !isS3 && !isSustainability;
    const params = isSts ? new URLSearchParams(raw) : undefined;
    const target = isSustainability
      ? "Sustainability.GetEstimatedCarbonEmissions"
      : isS3
        ? new URL(req.url ?? "/", "http://fake").searchParams.get("list-type") === "2"
          ? "S3.ListObjectsV2"
          : req.method === "HEAD"
            ? "S3.HeadObject"
            : "S3.GetObject"
        : isSts
          ? `STS.${params?.get("Action")}`
          : String(amzTarget)
              .replace("AWSInsightsIndexService", "CostExplorer")
              .replace("GraniteServiceVersion20100801", "CloudWatch")
              .replace("AWSOrganizationsV20161128", "Organizations");
    const accessKeyId = accessKeyOf(req.headers.authorization);
    requests.push({ target, accessKeyId, body: raw });
    const head = req.method === "HEAD";
    const fail = (f: FakeFailure) =>
      isSustainability
        ? restJsonError(res, f)
        : isS3
          ? s3Error(res, f, head)
          : isSts
            ? stsError(res, f)
            : jsonError(res, f);
    if (!req.headers.authorization?.startsWith("AWS4-HMAC-SHA256 ") || !accessKeyId) {
      return fail({
        status: 403,
        type: isS3 ? "AccessDenied" : "MissingAuthenticationTokenException",
        message: "Missing Authentication Token",
      });
    }
    const queued = failures.get(target)?.shift();
    if (queued) return fail(queued);
    const later = delayed.get(target);
    if (later && later.okCalls-- <= 0) {
      if (--later.times <= 0) delayed.delete(target);
      return fail(later.failure);
    }
    if (isSts) return sts(res, params as URLSearchParams, accessKeyId);
    const expiresAt = issued.get(accessKeyId);
    if (expiresAt === undefined)
      return fail(
        isS3
          ? {
              status: 403,
              type: "InvalidAccessKeyId",
              message: "The AWS Access Key Id you provided does not exist in our records.",
            }
          : {
              status: 400,
              type: "UnrecognizedClientException",
              message: "The security token included in the request is invalid.",
            },
      );
    if (Date.now() >= expiresAt) {
      // S3: 400 ExpiredToken (S3 error responses); JSON services: 403 ExpiredTokenException (common errors).
      expiredCount++;
      return fail(
        isS3
          ? { status: 400, type: "ExpiredToken", message: "The provided token has expired." }
          : {
              status: 403,
              type: "ExpiredTokenException",
              message: "The security token included in the request is expired",
            },
      );
    }
    const action = denied.get(target);
    if (action) {
      return fail({
        status: isS3 ? 403 : 400,
        type: isS3 ? "AccessDenied" : "AccessDeniedException",
        message: `User: ${trusted.roleArn}/canopy-sync is not authorized to perform: ${action} on resource: * because no identity-based policy allows the ${action} action`,
      });
    }
    if (isS3) return s3(req, res, target);
    if (isSustainability) {
      // SigV4 scope: the signing name is "sustainability"; a session key needs its session token.
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
        req.headers.authorization ?? "",
      );
      if (scope?.[2] !== "sustainability")
        return fail({
          status: 403,
          type: "InvalidSignatureException",
          message: `Credential should be scoped to correct service: 'sustainability'.`,
        });
      if (!req.headers["x-amz-security-token"])
        return fail({
          status: 403,
          type: "UnrecognizedClientException",
          message: "The security token included in the request is invalid.",
        });
      return sustainability(res, JSON.parse(raw || "{}") as Record<string, unknown>);
    }
    const body = JSON.parse(raw || "{}") as Record<string, unknown>;
    const [service, op = ""] = target.split(".");
    if (service === "CloudWatch") {
      // SigV4 scope: CloudWatch's signing name is "monitoring"; the region signs the request.
      const cwScope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
        req.headers.authorization ?? "",
      );
      if (cwScope?.[2] !== "monitoring")
        return fail({
          status: 403,
          type: "InvalidSignatureException",
          message: `Credential should be scoped to correct service: 'monitoring'.`,
        });
      return cloudWatch(res, cwScope[1] ?? "", op, body);
    }
    if (service === "AmazonAthena") return athena(res, op, body);
    if (service === "CostExplorer" && op === "GetCostAndUsage") return costExplorer(res, body);
    if (service === "Organizations" && op === "ListAccounts") return organizations(res, body);
    return fail({ status: 400, type: "UnknownOperationException", message: target });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ __type: "InternalFailure", Message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const url = `http://127.0.0.1:${port}`;
  const period = (name: string) => {
    const p = exportPeriods.get(name);
    if (!p) throw new Error(`the fake export has no period ${name}`);
    return p;
  };
  return {
    url,
    endpoints: {
      sts: url,
      athena: url,
      costExplorer: url,
      organizations: url,
      s3: url,
      sustainability: url,
      cloudwatch: url,
    },
    requests,
    metricDataCalls,
    setCpuUtilization: (instanceId, hours) =>
      cpuByInstance.set(instanceId, new Map(hours.map((h) => [h.hour.getTime(), h.percent]))),
    setCloudWatchLimits: (limits) => {
      Object.assign(cloudWatchLimits, limits);
      recentMetricCalls.length = 0;
    },
    sqlSeen,
    failNext: (target, ...f) => failures.set(target, [...(failures.get(target) ?? []), ...f]),
    failAfter: (target, okCalls, failure, times = 1) =>
      delayed.set(target, { okCalls, failure, times }),
    deny: (target, action) => (action ? denied.set(target, action) : denied.delete(target)),
    failQueries: (reason) => (queryFailure = reason),
    setAthenaResult: (columns, rows) => {
      athenaColumns = columns;
      athenaRows = rows;
    },
    setTableColumns: (table, columns) => tableColumns.set(table, columns),
    setCostExplorerUsage: (rows) => (ceUsage = rows),
    setSustainabilityEmissions: (rows) => (sustainabilityRows = rows),
    setAccounts: (a) => (accounts = a),
    trust: (next) => Object.assign(trusted, next),
    expireCredentials: () => {
      for (const key of issued.keys()) issued.set(key, 0);
    },
    setSessionLifetimeMs: (ms) => (sessionLifetimeMs = ms),
    expiredRejections: () => expiredCount,
    setExport: (location, periods) => {
      const m = /^s3:\/\/([^/]+)\/(?:(.*)\/)?([^/]+)$/.exec(location);
      if (!m) throw new Error(`not an export location: ${location}`);
      exportLocation = { bucket: m[1]!, prefix: m[2] ?? "", name: m[3]! };
      exportPeriods.clear();
      const delivered = new Date(Date.now() - 3_600_000);
      for (const p of periods)
        exportPeriods.set(p, {
          dataModified: [delivered, delivered],
          manifestModified: new Date(delivered.getTime() + 60_000),
          version: 1,
        });
    },
    startRefresh: (name) => {
      const p = period(name);
      p.dataModified = p.dataModified.map(() => new Date());
    },
    finishRefresh: (name) => {
      const p = period(name);
      p.manifestModified = new Date(Date.now() + 1000);
      p.version++;
    },
    duringNextQuery: (hook) => (queryHook = hook),
    cutNextResult: (bytes) => (cutAfterBytes = bytes),
    resultObjects: () => [...resultObjects.keys()].map((k) => `s3://${k}`),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
