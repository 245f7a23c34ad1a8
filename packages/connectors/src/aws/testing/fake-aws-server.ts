import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for the AWS endpoints the connector calls, speaking the real wire protocols so the
 * real SDK clients can be pointed at it: STS (query protocol, XML), and Athena, Cost Explorer and
 * Organizations (JSON 1.1, `X-Amz-Target`). Every request must carry a SigV4 Authorization header; the
 * signature is not verified, but the access key must be one the fake issued (or the source key for STS).
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
};

type Recorded = { target: string; accessKeyId: string | undefined; body: string };

export type FakeAws = {
  url: string;
  /** Every AWS endpoint the connector calls, pointed at this server (AwsConnectorConfig.endpoints). */
  endpoints: { sts: string; athena: string; costExplorer: string; organizations: string };
  requests: Recorded[];
  /** The next calls to `target` (e.g. "AmazonAthena.GetQueryResults", "STS.AssumeRole") fail with these. */
  failNext(target: string, ...failures: FakeFailure[]): void;
  /** After `okCalls` more successful calls to `target`, the next `times` calls fail with `failure`. */
  failAfter(target: string, okCalls: number, failure: FakeFailure, times?: number): void;
  /** Every call to `target` is denied with AccessDeniedException naming `action`. */
  deny(target: string, action: string): void;
  /** Athena queries fail with this StateChangeReason. */
  failQueries(reason: string | undefined): void;
  /** The Athena result of a query (rows without the header), given its SQL. */
  setAthenaResult(columns: string[], rows: (sql: string) => Iterable<(string | null)[]>): void;
  /** The usage Cost Explorer answers from. */
  setCostExplorerUsage(rows: CeUsageRow[]): void;
  setAccounts(accounts: { Id: string; Name: string; Status: string }[]): void;
  /** Changes what the role trusts, e.g. the external id a wizard generated after the fake started. */
  trust(next: Partial<FakeAwsOptions>): void;
  /** Temporary credentials issued so far stop working (ExpiredTokenException). */
  expireCredentials(): void;
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

export async function startFakeAws(
  options: FakeAwsOptions,
  pageSizes: { ce?: number; organizations?: number } = {},
): Promise<FakeAws> {
  const trusted = { ...options };
  const failures = new Map<string, FakeFailure[]>();
  const delayed = new Map<string, { okCalls: number; failure: FakeFailure; times: number }>();
  const denied = new Map<string, string>();
  const issued = new Set<string>();
  const expired = new Set<string>();
  let queryFailure: string | undefined;
  let athenaColumns: string[] = [];
  let athenaRows: (sql: string) => Iterable<(string | null)[]> = () => [];
  let ceUsage: CeUsageRow[] = [];
  let accounts: { Id: string; Name: string; Status: string }[] = [];
  const executions = new Map<string, { sql: string; polls: number; rows?: (string | null)[][] }>();
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
      `<ErrorResponse xmlns="${stsNs}"><Error><Type>Sender</Type><Code>${f.type}</Code><Message>${f.message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
    );
  };

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
    const key = `ASIAFAKE${String(++issuedCount).padStart(8, "0")}`;
    issued.add(key);
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(
      `<AssumeRoleResponse xmlns="${stsNs}"><AssumeRoleResult><Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>fake-secret-${issuedCount}</SecretAccessKey><SessionToken>fake-session-${issuedCount}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${trusted.roleArn}/canopy-sync</Arn><AssumedRoleId>AROAFAKE:canopy-sync</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  }

  function athena(res: ServerResponse, op: string, body: Record<string, unknown>) {
    if (op === "StartQueryExecution") {
      const id = `q-${executions.size + 1}`;
      sqlSeen.push(String(body["QueryString"]));
      executions.set(id, { sql: String(body["QueryString"]), polls: 0 });
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
      const state = execution.polls < 2 ? "RUNNING" : queryFailure ? "FAILED" : "SUCCEEDED";
      return json(res, 200, {
        QueryExecution: {
          QueryExecutionId: id,
          Status: {
            State: state,
            ...(state === "FAILED" ? { StateChangeReason: queryFailure } : {}),
          },
        },
      });
    }
    if (op === "GetQueryResults") {
      execution.rows ??= [...athenaRows(execution.sql)];
      const max = Number(body["MaxResults"] ?? 1000);
      const offset = body["NextToken"] ? Number(String(body["NextToken"]).slice(4)) : 0;
      const slice = execution.rows.slice(offset, offset + max - (offset === 0 ? 1 : 0));
      const cells = (values: (string | null)[]) => ({
        Data: values.map((v) => (v === null ? {} : { VarCharValue: v })),
      });
      const rows = offset === 0 ? [cells(athenaColumns), ...slice.map(cells)] : slice.map(cells);
      const next = offset + slice.length;
      return json(res, 200, {
        UpdateCount: 0,
        ResultSet: {
          Rows: rows,
          ResultSetMetadata: {
            ColumnInfo: athenaColumns.map((Name) => ({ Name, Label: Name, Type: "varchar" })),
          },
        },
        ...(next < execution.rows.length ? { NextToken: `tok-${next}` } : {}),
      });
    }
    return jsonError(res, { status: 400, type: "UnknownOperationException", message: op });
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

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const amzTarget = req.headers["x-amz-target"];
    const isSts = !amzTarget;
    const params = isSts ? new URLSearchParams(raw) : undefined;
    const target = isSts
      ? `STS.${params?.get("Action")}`
      : String(amzTarget)
          .replace("AWSInsightsIndexService", "CostExplorer")
          .replace("AWSOrganizationsV20161128", "Organizations");
    const accessKeyId = accessKeyOf(req.headers.authorization);
    requests.push({ target, accessKeyId, body: raw });
    const fail = (f: FakeFailure) => (isSts ? stsError(res, f) : jsonError(res, f));
    if (!req.headers.authorization?.startsWith("AWS4-HMAC-SHA256 ") || !accessKeyId) {
      return fail({
        status: 403,
        type: "MissingAuthenticationTokenException",
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
    if (expired.has(accessKeyId))
      return fail({
        status: 400,
        type: "ExpiredTokenException",
        message: "The security token included in the request is expired",
      });
    if (!issued.has(accessKeyId))
      return fail({
        status: 400,
        type: "UnrecognizedClientException",
        message: "The security token included in the request is invalid.",
      });
    const action = denied.get(target);
    if (action) {
      return fail({
        status: 400,
        type: "AccessDeniedException",
        message: `User: ${trusted.roleArn}/canopy-sync is not authorized to perform: ${action} on resource: * because no identity-based policy allows the ${action} action`,
      });
    }
    const body = JSON.parse(raw || "{}") as Record<string, unknown>;
    const [service, op = ""] = target.split(".");
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
  return {
    url,
    endpoints: { sts: url, athena: url, costExplorer: url, organizations: url },
    requests,
    sqlSeen,
    failNext: (target, ...f) => failures.set(target, [...(failures.get(target) ?? []), ...f]),
    failAfter: (target, okCalls, failure, times = 1) =>
      delayed.set(target, { okCalls, failure, times }),
    deny: (target, action) => denied.set(target, action),
    failQueries: (reason) => (queryFailure = reason),
    setAthenaResult: (columns, rows) => {
      athenaColumns = columns;
      athenaRows = rows;
    },
    setCostExplorerUsage: (rows) => (ceUsage = rows),
    setAccounts: (a) => (accounts = a),
    trust: (next) => Object.assign(trusted, next),
    expireCredentials: () => {
      for (const key of issued) expired.add(key);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
