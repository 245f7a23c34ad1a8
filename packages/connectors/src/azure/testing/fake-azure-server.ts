import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";

/**
 * A local stand-in for Microsoft Entra ID (OpenID metadata + the client-credentials token endpoint)
 * and Azure Resource Manager (Cost Management Query API with nextLink paging and 429s carrying only
 * the x-ms-ratelimit-microsoft.costmanagement-*-retry-after headers; the Cost Details API: 202 +
 * Location + Retry-After, polls, a manifest of SAS blob links, and the CSV blobs themselves, checked
 * by their `sig`; subscriptions list). It serves
 * HTTPS with a throw-away self-signed certificate (openssl), because @azure/identity refuses a
 * non-https authority; `httpClient` trusts exactly that certificate.
 */
export type AzureUsageRow = {
  date: number; // yyyymmdd, as the Query API returns UsageDate
  subscriptionId: string;
  meterCategory: string;
  meter: string;
  location: string;
  unit: string;
  quantity: number;
  cost: number;
};

/** One cost details line as the test writes it: column name → cell (EA PascalCase or MCA camelCase headers). */
export type CostDetailsRow = Record<string, string | number>;

export type FakeAzureOptions = {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  pageSize?: number;
  /** Cost Details API: 202 polls before a report completes (default 1). */
  costDetailsPolls?: number;
  /** Cost Details API: the Retry-After (seconds) on the POST and on each 202 poll (default "1"). */
  costDetailsRetryAfter?: string;
  /** Cost Details API: blobs per report; the rows of a report are dealt out among them (default 2). */
  blobsPerReport?: number;
  /**
   * Cost Details API: a report of more lines than this answers 413 (the real limit is ~2 GB, ~2 million
   * rows; default 2,000,000). `setCostDetailsMaxRows` changes it.
   */
  costDetailsMaxRows?: number;
  /**
   * Query API QPU budget, tenant-wide, each query costing `qpuPerQuery` (default 1): per window, at
   * most `qpu` in any `windowMs`. Over budget → 429 with the qpu-retry-after header; every answer
   * carries `x-ms-ratelimit-microsoft.costmanagement-qpu-consumed` and `…-qpu-remaining`
   * (`10s:11;1m:59;1h:599`). Default: no budget (and no headers). `documentedQpuBudget` is Microsoft's.
   */
  qpuBudget?: { windowMs: number; qpu: number }[];
  qpuPerQuery?: number;
  /** Access tokens expire this many seconds after issue (default 3599, as Entra ID's `expires_in`). */
  tokenLifetimeSeconds?: number;
  /** The fake's clock (QPU windows, token expiry, the 13-month limit); default Date.now. */
  now?: () => number;
};

/** The Query API quotas Microsoft documents (per tenant): 12 QPU per 10 s, 60 per minute, 600 per hour. */
export const documentedQpuBudget = [
  { windowMs: 10_000, qpu: 12 },
  { windowMs: 60_000, qpu: 60 },
  { windowMs: 3_600_000, qpu: 600 },
];

export type AzureCarbonItem = {
  subscriptionId: string;
  scope1: number;
  scope2: number;
  scope3: number;
};

export type FakeAzure = {
  url: string;
  /** Entra ID and ARM, both this server (AzureConnectorConfig.endpoints). */
  endpoints: { authorityHost: string; arm: string };
  httpClient: HttpClient;
  requests: { method: string; path: string; authorization: string | undefined; body: string }[];
  setUsage(rows: AzureUsageRow[]): void;
  setSubscriptions(subs: { subscriptionId: string; displayName: string; state: string }[]): void;
  /** The next Query API calls answer 429 with these Cost Management retry-after headers (seconds). */
  throttleNext(...headers: Record<string, string>[]): void;
  /** Query API calls on this subscription are refused with AuthorizationFailed. */
  denyQuery(subscriptionId: string | undefined): void;
  revokeTokens(): void;
  /**
   * Lines served by the Cost Details API: a report on `subscriptions/{id}` gets that subscription's
   * lines, any other scope (billing account, billing profile, management group) all of them; only lines
   * dated within the requested period. Dates are MM/DD/YYYY or ISO.
   */
  setCostDetails(rows: CostDetailsRow[]): void;
  /** The next cost details report(s) end with status Failed and this error. */
  failNextReport(...errors: { code: string; message: string }[]): void;
  /** The next report polls answer 429 with these Cost Management retry-after headers. */
  throttleNextPoll(...headers: Record<string, string>[]): void;
  /** The next blob download(s) answer with this HTTP status (503 ServerBusy, 403 AuthenticationFailed as for an expired SAS…). */
  failNextBlob(...statuses: number[]): void;
  /** The next blob download sends its headers and first bytes, then nothing more (a hung connection). */
  stallNextBlob(): void;
  /** generateCostDetailsReport on this scope is refused with AuthorizationFailed. */
  denyCostDetails(scope: string | undefined): void;
  /** The `sig` values of every blob link handed out (for tests that grep logs for them). */
  readonly blobSignatures: string[];
  /**
   * Per-subscription kg CO2e per emission scope that the Carbon Optimization API reports (one page per
   * item); a request's figure is the sum of the scopes its `carbonScopeList` names.
   */
  setCarbon(items: AzureCarbonItem[]): void;
  /**
   * What queryCarbonEmissionDataAvailableDateRange answers (yyyy-MM-dd); months outside are refused.
   * Default: 2024-01-01 to the first of the month before the fake's clock.
   */
  setCarbonAvailableRange(range: { startDate: string; endDate: string } | undefined): void;
  /**
   * Management groups for Get Descendants: each group's parent (none for the root) and the
   * subscriptions directly in it. Descendants of a group are every level below it.
   */
  setManagementGroups(groups: { id: string; parent?: string; subscriptions: string[] }[]): void;
  /** See `FakeAzureOptions.costDetailsMaxRows`. */
  setCostDetailsMaxRows(rows: number): void;
  /** Query API calls answered 429 because the QPU budget was spent. */
  readonly qpuThrottled: number;
  /**
   * Virtual machines (ARM `Microsoft.Compute/virtualMachines`) and their "Percentage CPU" as hourly
   * averages (percent) by hour start; VM ids are full ARM ids.
   */
  setVirtualMachines(
    vms: {
      id: string;
      location: string;
      vmSize: string;
      cpu?: { hour: Date; percent: number }[];
    }[],
  ): void;
  /** The next metrics calls answer 429 with `Retry-After` (seconds) of these values. */
  throttleNextMetrics(...retryAfterSeconds: string[]): void;
  /** Listing VMs of this subscription is refused with AuthorizationFailed (no Reader role). */
  denyVirtualMachines(subscriptionId: string | undefined): void;
  /** Metrics requests answered, by VM id. */
  readonly metricsCalls: string[];
  close(): Promise<void>;
};

function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "canopy-fake-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(path.join(dir, "key.pem")),
      cert: readFileSync(path.join(dir, "cert.pem")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

type Filter = { and?: Filter[]; dimensions?: { name: string; values: string[] } };
const dimsOf = (f: Filter | undefined): { name: string; values: string[] }[] =>
  f ? [...(f.dimensions ? [f.dimensions] : []), ...(f.and ?? []).flatMap(dimsOf)] : [];
const fieldOf: Record<string, keyof AzureUsageRow> = {
  metercategory: "meterCategory",
  meter: "meter",
  resourcelocation: "location",
  unitofmeasure: "unit",
  subscriptionid: "subscriptionId",
};

export async function startFakeAzure(options: FakeAzureOptions): Promise<FakeAzure> {
  const { key, cert } = selfSignedCertificate();
  const tokens = new Set<string>();
  const throttles: Record<string, string>[] = [];
  const requests: FakeAzure["requests"] = [];
  let usage: AzureUsageRow[] = [];
  let subscriptions: { subscriptionId: string; displayName: string; state: string }[] = [];
  let denied: string | undefined;
  let carbon: AzureCarbonItem[] = [];
  let carbonRange: { startDate: string; endDate: string } | undefined;
  const availableCarbonRange = () => {
    if (carbonRange) return carbonRange;
    const current = new Date(now());
    const previous = new Date(Date.UTC(current.getUTCFullYear(), current.getUTCMonth() - 1, 1));
    return { startDate: "2024-01-01", endDate: previous.toISOString().slice(0, 10) };
  };
  let costDetails: CostDetailsRow[] = [];
  const reportFailures: { code: string; message: string }[] = [];
  const pollThrottles: Record<string, string>[] = [];
  let costDetailsDenied: string | undefined;
  const blobSignatures: string[] = [];
  const blobFailures: number[] = [];
  let stallBlobs = 0;
  let managementGroups: { id: string; parent?: string; subscriptions: string[] }[] = [];
  let costDetailsMaxRows = options.costDetailsMaxRows ?? 2_000_000;
  let virtualMachines: {
    id: string;
    location: string;
    vmSize: string;
    cpu?: { hour: Date; percent: number }[];
  }[] = [];
  const metricsThrottles: string[] = [];
  let vmListDenied: string | undefined;
  const metricsCalls: string[] = [];
  const now = options.now ?? Date.now;
  /** Issue time of each token (expiry = issue + lifetime). */
  const tokenIssuedAt = new Map<string, number>();
  /** Times of the QPU charges still inside the longest window. */
  const qpuCharges: number[] = [];
  let qpuThrottled = 0;
  /** Running and finished reports by operation id. */
  const reports = new Map<
    string,
    {
      scope: string;
      pollsLeft: number;
      failure?: { code: string; message: string };
      blobs: { name: string; sig: string; csv: string }[];
    }
  >();
  let base = "";

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  function token(res: ServerResponse, tenant: string, form: URLSearchParams) {
    if (tenant !== options.tenantId) {
      return send(res, 400, {
        error: "invalid_request",
        error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
        error_codes: [90002],
      });
    }
    if (
      form.get("client_id") !== options.clientId ||
      form.get("client_secret") !== options.clientSecret
    ) {
      return send(res, 401, {
        error: "invalid_client",
        error_description:
          "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        error_codes: [7000215],
      });
    }
    const value = `fake-token-${tokenIssuedAt.size + 1}`;
    tokens.add(value);
    tokenIssuedAt.set(value, now());
    const lifetime = options.tokenLifetimeSeconds ?? 3599;
    return send(res, 200, {
      token_type: "Bearer",
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: value,
    });
  }

  /** Charges one query against the QPU budget: the headers to send, or a 429 already sent. */
  function chargeQpu(res: ServerResponse): Record<string, string> | undefined {
    const budget = options.qpuBudget;
    if (!budget?.length) return {};
    const t = now();
    const longest = Math.max(...budget.map((w) => w.windowMs));
    while (qpuCharges.length && (qpuCharges[0] ?? 0) <= t - longest) qpuCharges.shift();
    const cost = options.qpuPerQuery ?? 1;
    const usedIn = (windowMs: number) => qpuCharges.filter((c) => c > t - windowMs).length;
    const over = budget.filter((w) => usedIn(w.windowMs) + cost > w.qpu);
    const label = (ms: number) =>
      ms % 3_600_000 === 0
        ? `${ms / 3_600_000}h`
        : ms % 60_000 === 0
          ? `${ms / 60_000}m`
          : `${ms / 1000}s`;
    if (over.length) {
      qpuThrottled++;
      // Seconds until enough charges leave the tightest window.
      const retryAfter = Math.max(
        ...over.map((w) => {
          const inside = qpuCharges.filter((c) => c > t - w.windowMs);
          const freeing = inside[inside.length - w.qpu + cost - 1] ?? t;
          return Math.ceil((freeing + w.windowMs - t) / 1000);
        }),
      );
      send(
        res,
        429,
        { error: { code: "429", message: "Too many requests. Please retry." } },
        {
          "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": String(
            Math.max(1, retryAfter),
          ),
          "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining": budget
            .map((w) => `${label(w.windowMs)}:${Math.max(0, w.qpu - usedIn(w.windowMs))}`)
            .join(";"),
        },
      );
      return undefined;
    }
    for (let i = 0; i < cost; i++) qpuCharges.push(t);
    return {
      "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed": String(cost),
      "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining": budget
        .map((w) => `${label(w.windowMs)}:${Math.max(0, w.qpu - usedIn(w.windowMs))}`)
        .join(";"),
    };
  }

  function query(res: ServerResponse, subscriptionId: string, url: URL, body: string) {
    const throttle = throttles.shift();
    if (throttle)
      return send(
        res,
        429,
        { error: { code: "429", message: "Too many requests. Please retry." } },
        throttle,
      );
    if (denied === subscriptionId) {
      return send(res, 403, {
        error: {
          code: "AuthorizationFailed",
          message: `The client '${options.clientId}' with object id '00000000-0000-0000-0000-0000000000aa' does not have authorization to perform action 'Microsoft.CostManagement/query/action' over scope '/subscriptions/${subscriptionId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        },
      });
    }
    const definition = JSON.parse(body) as {
      timePeriod: { from: string; to: string };
      dataset: { grouping?: { name: string }[]; filter?: Filter };
    };
    const grouping = (definition.dataset.grouping ?? []).map((g) => g.name);
    if (grouping.length > 2)
      return send(res, 400, {
        error: { code: "BadRequest", message: "Grouping can have at most 2 entries" },
      });
    const qpuHeaders = chargeQpu(res);
    if (!qpuHeaders) return;
    const from = Number(definition.timePeriod.from.slice(0, 10).replaceAll("-", ""));
    const to = Number(definition.timePeriod.to.slice(0, 10).replaceAll("-", ""));
    const filters = dimsOf(definition.dataset.filter);
    const matching = usage.filter(
      (r) =>
        r.subscriptionId === subscriptionId &&
        r.date >= from &&
        r.date <= to &&
        filters.every((f) =>
          f.values.includes(String(r[fieldOf[f.name.toLowerCase()] ?? "meter"])),
        ),
    );
    const groups = new Map<string, unknown[]>();
    for (const r of matching) {
      const keys = grouping.map((g) => r[fieldOf[g.toLowerCase()] ?? "meter"]);
      const k = JSON.stringify([r.date, ...keys]);
      const g = groups.get(k) ?? [0, 0, r.date, ...keys, "USD"];
      g[0] = (g[0] as number) + r.quantity;
      g[1] = (g[1] as number) + r.cost;
      groups.set(k, g);
    }
    const all = [...groups.values()];
    const size = options.pageSize ?? 1000;
    const offset = Number(url.searchParams.get("$skiptoken") ?? 0);
    const page = all.slice(offset, offset + size);
    const next =
      offset + size < all.length
        ? `${base}${url.pathname}?api-version=2022-10-01&$skiptoken=${offset + size}`
        : null;
    return send(
      res,
      200,
      {
        id: `subscriptions/${subscriptionId}/providers/Microsoft.CostManagement/query/fake`,
        name: "fake",
        type: "Microsoft.CostManagement/query",
        properties: {
          nextLink: next,
          columns: [
            { name: "UsageQuantity", type: "Number" },
            { name: "PreTaxCost", type: "Number" },
            { name: "UsageDate", type: "Number" },
            ...grouping.map((name) => ({ name, type: "String" })),
            { name: "Currency", type: "String" },
          ],
          rows: page,
        },
      },
      qpuHeaders,
    );
  }

  const throttled = (res: ServerResponse, headers: Record<string, string>) =>
    send(
      res,
      429,
      { error: { code: "429", message: "Too many requests. Please retry." } },
      headers,
    );

  function isoDateOf(cell: string | number | undefined): string {
    const text = String(cell ?? "");
    const us = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
    return us ? `${us[3]}-${us[1]}-${us[2]}` : text.slice(0, 10);
  }
  const cellOf = (row: CostDetailsRow, name: string) =>
    Object.entries(row).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  const csvCell = (value: string | number | undefined) => {
    const text = String(value ?? "");
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  function csvOf(rows: CostDetailsRow[], header: string[]): string {
    return [
      header.join(","),
      ...rows.map((row) => header.map((column) => csvCell(row[column])).join(",")),
    ].join("\r\n");
  }

  /** POST {scope}/providers/Microsoft.CostManagement/generateCostDetailsReport: 202 + Location + Retry-After. */
  function generateReport(res: ServerResponse, scope: string, body: string) {
    const throttle = throttles.shift();
    if (throttle) return throttled(res, throttle);
    if (
      costDetailsDenied !== undefined &&
      costDetailsDenied.toLowerCase() === scope.toLowerCase()
    ) {
      return send(res, 403, {
        error: {
          code: "AuthorizationFailed",
          message: `The client '${options.clientId}' with object id '00000000-0000-0000-0000-0000000000aa' does not have authorization to perform action 'Microsoft.CostManagement/generateCostDetailsReport/action' over scope '/${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        },
      });
    }
    const request = JSON.parse(body || "{}") as { timePeriod?: { start: string; end: string } };
    const period = request.timePeriod;
    if (!period) {
      return send(res, 400, {
        error: {
          code: "BadRequest",
          message: "timePeriod, billingPeriod or invoiceId is required",
        },
      });
    }
    // "Currently Resource Group and Management Group are not supported" (generateCostDetailsReport scope).
    if (
      /^providers\/Microsoft\.Management\/managementGroups\//i.test(scope) ||
      /\/resourceGroups\//i.test(scope)
    ) {
      return send(res, 400, {
        error: {
          code: "BadRequest",
          message: `Scope /${scope} is not supported by the Cost Details API. Management group and resource group scopes are not supported for Enterprise Agreement or Microsoft Customer Agreement.`,
        },
      });
    }
    const current = new Date(now());
    const oldest = Date.UTC(current.getUTCFullYear(), current.getUTCMonth() - 13, 1);
    if (Date.parse(period.start) < oldest) {
      return send(res, 400, {
        error: {
          code: "BadRequest",
          message: "Cost details can be retrieved for at most 13 months back from the current date",
        },
      });
    }
    const days = (Date.parse(period.end) - Date.parse(period.start)) / 86_400_000;
    if (!(days >= 0) || days > 31) {
      return send(res, 400, {
        error: {
          code: "BadRequest",
          message: "The time period of a cost details report may span at most one month",
        },
      });
    }
    const subscription = /^subscriptions\/([^/]+)$/i.exec(scope)?.[1];
    const rows = costDetails.filter((row) => {
      const date = isoDateOf(cellOf(row, "date"));
      const sub = String(cellOf(row, "SubscriptionId") ?? "");
      return (
        date >= period.start &&
        date <= period.end &&
        (subscription === undefined || sub.toLowerCase() === subscription.toLowerCase())
      );
    });
    if (rows.length > costDetailsMaxRows) {
      return send(res, 413, {
        error: {
          code: "413",
          message: `The cost details for the requested period (${rows.length} rows) exceed the maximum report size. Request a smaller date range or use exports.`,
        },
      });
    }
    const id = randomBytes(8).toString("hex");
    const count = Math.max(1, options.blobsPerReport ?? 2);
    const header = [...new Set(costDetails.flatMap((row) => Object.keys(row)))];
    const blobs = Array.from({ length: count }, (_, n) => {
      const sig = randomBytes(24).toString("base64url");
      blobSignatures.push(sig);
      return {
        name: `${id}/part_${n}.csv`,
        sig,
        csv: csvOf(
          rows.filter((_, i) => i % count === n),
          header,
        ),
      };
    });
    const failure = reportFailures.shift();
    reports.set(id, {
      scope,
      pollsLeft: options.costDetailsPolls ?? 1,
      ...(failure ? { failure } : {}),
      blobs,
    });
    res.writeHead(202, {
      location: `${base}/${scope}/providers/Microsoft.CostManagement/costDetailsOperationResults/${id}?api-version=2022-10-01`,
      "retry-after": options.costDetailsRetryAfter ?? "1",
    });
    res.end();
  }

  /** GET …/costDetailsOperationResults/{id}: 202 while running, then 200 with the manifest (or status Failed). */
  function pollReport(res: ServerResponse, scope: string, id: string) {
    const throttle = pollThrottles.shift();
    if (throttle) return throttled(res, throttle);
    const report = reports.get(id);
    if (!report || report.scope.toLowerCase() !== scope.toLowerCase()) {
      return send(res, 404, { error: { code: "NotFound", message: `No operation ${id}` } });
    }
    if (report.pollsLeft > 0) {
      report.pollsLeft--;
      res.writeHead(202, {
        location: `${base}/${scope}/providers/Microsoft.CostManagement/costDetailsOperationResults/${id}?api-version=2022-10-01`,
        "retry-after": options.costDetailsRetryAfter ?? "1",
      });
      return res.end();
    }
    const operation = {
      id: `/${scope}/providers/Microsoft.CostManagement/costDetailsOperationResults/${id}`,
      name: id,
      validTill: new Date(Date.now() + 3_600_000).toISOString(),
    };
    if (report.failure)
      return send(res, 200, { ...operation, status: "Failed", error: report.failure });
    const byteCount = report.blobs.reduce((n, b) => n + Buffer.byteLength(b.csv), 0);
    return send(res, 200, {
      ...operation,
      status: "Completed",
      manifest: {
        manifestVersion: "2022-05-01",
        dataFormat: "Csv",
        blobCount: report.blobs.length,
        byteCount,
        compressData: false,
        requestContext: { requestScope: `/${scope}` },
        blobs: report.blobs.map((b) => ({
          blobLink: `${base}/costdetails/${b.name}?sv=2022-11-02&sr=b&sp=r&se=${encodeURIComponent(operation.validTill)}&sig=${encodeURIComponent(b.sig)}`,
          byteCount: Buffer.byteLength(b.csv),
        })),
      },
      error: null,
    });
  }

  /** GET /costdetails/{id}/part_{n}.csv?…&sig=…: the CSV, streamed in small chunks; a wrong or missing sig is Storage's 403. */
  function downloadBlob(res: ServerResponse, url: URL) {
    const [, , id, file] = url.pathname.split("/");
    const blob = reports.get(id ?? "")?.blobs.find((b) => b.name === `${id}/${file}`);
    if (!blob) {
      res.writeHead(404, { "content-type": "application/xml" });
      return res.end(
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>',
      );
    }
    const failure = blobFailures.shift();
    if (failure !== undefined) {
      const code =
        failure === 403 ? "AuthenticationFailed" : failure === 503 ? "ServerBusy" : "InternalError";
      res.writeHead(failure, { "content-type": "application/xml" });
      return res.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>Signed expiry time has to be after signed start time. RequestId:fake sig=${blob.sig}</Message></Error>`,
      );
    }
    if (url.searchParams.get("sig") !== blob.sig) {
      res.writeHead(403, { "content-type": "application/xml" });
      return res.end(
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.</Message></Error>',
      );
    }
    const bytes = Buffer.from(blob.csv);
    res.writeHead(200, {
      "content-type": "text/csv",
      "content-length": String(bytes.length),
      "x-ms-blob-type": "BlockBlob",
    });
    if (stallBlobs > 0) {
      stallBlobs--;
      res.write(bytes.subarray(0, 64)); // and then silence, until the client gives up
      return;
    }
    // Several writes, so the client sees the body in chunks (rows split across them).
    for (let offset = 0; offset < bytes.length; offset += 64)
      res.write(bytes.subarray(offset, offset + 64));
    res.end();
  }

  /**
   * Azure Monitor Metrics - List on a VM
   * (https://learn.microsoft.com/en-us/rest/api/monitor/metrics/list): `timespan` is
   * `start/end` in ISO 8601; `interval` a time grain the metric supports ("Percentage CPU" of
   * Microsoft.Compute/virtualMachines: PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D,
   * https://learn.microsoft.com/en-us/azure/azure-monitor/reference/supported-metrics/microsoft-compute-virtualmachines-metrics);
   * an unknown metric name → 400 BadRequest "Failed to find metric configuration…"; an aggregation
   * outside Average, Minimum, Maximum, Total, Count → 400. Platform metrics are kept 93 days
   * (https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/data-platform-metrics#retention-of-metrics):
   * older hours are absent. Throttled requests → 429 with `Retry-After`
   * (https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/request-limits-and-throttling).
   * Timestamps are the start of each interval.
   */
  function metrics(res: ServerResponse, resourceId: string, url: URL) {
    const retryAfter = metricsThrottles.shift();
    if (retryAfter !== undefined)
      return send(
        res,
        429,
        { error: { code: "TooManyRequests", message: "The request is being throttled." } },
        { "retry-after": retryAfter },
      );
    const vm = virtualMachines.find((v) => v.id.toLowerCase() === resourceId.toLowerCase());
    if (!vm)
      return send(res, 404, {
        error: { code: "ResourceNotFound", message: `The Resource '${resourceId}' was not found.` },
      });
    const names = (url.searchParams.get("metricnames") ?? "").split(",").filter(Boolean);
    const known = [
      "Percentage CPU",
      "Available Memory Bytes",
      "Network In Total",
      "Network Out Total",
    ];
    const unknown = names.filter((n) => !known.includes(n));
    if (names.length === 0 || unknown.length)
      return send(res, 400, {
        error: {
          code: "BadRequest",
          message: `Failed to find metric configuration for provider: Microsoft.Compute, resource Type: virtualMachines, metric: ${unknown.join(",") || "(none)"}, Valid metrics: ${known.join(",")}`,
        },
      });
    const grains: Record<string, number> = {
      PT1M: 60_000,
      PT5M: 300_000,
      PT15M: 900_000,
      PT30M: 1_800_000,
      PT1H: 3_600_000,
      PT6H: 21_600_000,
      PT12H: 43_200_000,
      P1D: 86_400_000,
    };
    const interval = url.searchParams.get("interval") ?? "PT1M";
    const grainMs = grains[interval];
    if (!grainMs)
      return send(res, 400, {
        error: {
          code: "BadRequest",
          message: `Invalid time grain ${interval}: supported ${Object.keys(grains).join(", ")}`,
        },
      });
    const aggregation = (url.searchParams.get("aggregation") ?? "Average").split(",");
    if (
      aggregation.some(
        (a) => !["average", "minimum", "maximum", "total", "count"].includes(a.toLowerCase()),
      )
    )
      return send(res, 400, {
        error: { code: "BadRequest", message: `Invalid aggregation ${aggregation.join(",")}` },
      });
    const [startText, endText] = (url.searchParams.get("timespan") ?? "").split("/");
    const start = Date.parse(startText ?? "");
    const end = Date.parse(endText ?? "");
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end)
      return send(res, 400, {
        error: {
          code: "BadRequest",
          message: `Invalid timespan ${url.searchParams.get("timespan")}: expected startDateTime_ISO/endDateTime_ISO with start before end`,
        },
      });
    metricsCalls.push(vm.id);
    const retained = now() - 93 * 86_400_000;
    const buckets = new Map<number, { sum: number; n: number }>();
    for (const point of vm.cpu ?? []) {
      const t = point.hour.getTime();
      if (t < start || t >= end || t < retained) continue;
      const bucket = start + Math.floor((t - start) / grainMs) * grainMs;
      const b = buckets.get(bucket) ?? { sum: 0, n: 0 };
      b.sum += point.percent;
      b.n++;
      buckets.set(bucket, b);
    }
    return send(res, 200, {
      cost: 0,
      timespan: `${startText}/${endText}`,
      interval,
      namespace: "Microsoft.Compute/virtualMachines",
      resourceregion: vm.location,
      value: names.map((name) => ({
        id: `${vm.id}/providers/Microsoft.Insights/metrics/${name}`,
        type: "Microsoft.Insights/metrics",
        name: { value: name, localizedValue: name },
        unit: "Percent",
        timeseries: [
          {
            metadatavalues: [],
            data:
              name === "Percentage CPU"
                ? [...buckets]
                    .sort((a, b) => a[0] - b[0])
                    .map(([t, b]) => ({
                      timeStamp: new Date(t).toISOString().replace(".000Z", "Z"),
                      average: b.sum / b.n,
                    }))
                : [],
          },
        ],
        errorCode: "Success",
      })),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", base);
    requests.push({
      method: req.method ?? "",
      path: url.pathname,
      authorization: req.headers.authorization,
      body,
    });
    const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (openid) {
      const t = openid[1];
      // Entra ID answers an unknown tenant's metadata with 400 AADSTS90002.
      if (t !== options.tenantId && t !== "common" && t !== "organizations")
        return send(res, 400, {
          error: "invalid_tenant",
          error_description: `AADSTS90002: Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          error_codes: [90002],
        });
      return send(res, 200, {
        token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
        issuer: `${base}/${t}/v2.0`,
        authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
        jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
      });
    }
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (tokenPath && req.method === "POST")
      return token(res, tokenPath[1] ?? "", new URLSearchParams(body));
    // Blob downloads carry no bearer token: the SAS query string is the credential.
    if (url.pathname.startsWith("/costdetails/") && req.method === "GET")
      return downloadBlob(res, url);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !tokens.has(bearer)) {
      return send(res, 401, {
        error: { code: "InvalidAuthenticationToken", message: "The access token is invalid." },
      });
    }
    const issued = tokenIssuedAt.get(bearer) ?? 0;
    if (now() >= issued + (options.tokenLifetimeSeconds ?? 3599) * 1000) {
      return send(res, 401, {
        error: {
          code: "ExpiredAuthenticationToken",
          message: "The access token expiry UTC time is earlier than current UTC time.",
        },
      });
    }
    const vmList =
      /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines$/i.exec(
        url.pathname,
      );
    if (vmList && req.method === "GET") {
      const sub = (vmList[1] ?? "").toLowerCase();
      if (vmListDenied && vmListDenied.toLowerCase() === sub)
        return send(res, 403, {
          error: {
            code: "AuthorizationFailed",
            message: `The client '${options.clientId}' with object id '${options.clientId}' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read' over scope '/subscriptions/${sub}' or the scope is invalid.`,
          },
        });
      const mine = virtualMachines.filter((v) =>
        v.id.toLowerCase().startsWith(`/subscriptions/${sub}/`),
      );
      const size = options.pageSize ?? 1000;
      const offset = Number(url.searchParams.get("$skiptoken") ?? 0);
      return send(res, 200, {
        value: mine.slice(offset, offset + size).map((v) => ({
          id: v.id,
          name: v.id.split("/").at(-1),
          type: "Microsoft.Compute/virtualMachines",
          location: v.location,
          properties: { hardwareProfile: { vmSize: v.vmSize } },
        })),
        ...(offset + size < mine.length
          ? {
              nextLink: `${base}${url.pathname}?api-version=2024-07-01&$skiptoken=${offset + size}`,
            }
          : {}),
      });
    }
    const metricPath =
      /^(\/subscriptions\/.+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+)\/providers\/Microsoft\.Insights\/metrics$/i.exec(
        url.pathname,
      );
    if (metricPath && req.method === "GET")
      return metrics(res, decodeURIComponent(metricPath[1] ?? ""), url);
    const q = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.CostManagement\/query$/i.exec(
      url.pathname,
    );
    if (q && req.method === "POST") return query(res, q[1] ?? "", url, body);
    const generate =
      /^\/(.+)\/providers\/Microsoft\.CostManagement\/generateCostDetailsReport$/i.exec(
        url.pathname,
      );
    if (generate && req.method === "POST") return generateReport(res, generate[1] ?? "", body);
    const poll =
      /^\/(.+)\/providers\/Microsoft\.CostManagement\/costDetailsOperationResults\/([^/]+)$/i.exec(
        url.pathname,
      );
    if (poll && req.method === "GET") return pollReport(res, poll[1] ?? "", poll[2] ?? "");
    // https://learn.microsoft.com/en-us/rest/api/carbon/carbon-service/query-carbon-emission-data-available-date-range
    if (
      url.pathname === "/providers/Microsoft.Carbon/queryCarbonEmissionDataAvailableDateRange" &&
      req.method === "POST"
    )
      return send(res, 200, availableCarbonRange());
    if (
      url.pathname === "/providers/Microsoft.Carbon/carbonEmissionReports" &&
      req.method === "POST"
    ) {
      // https://learn.microsoft.com/en-us/rest/api/carbon/carbon-service/query-carbon-emission-reports
      // (ItemDetailsQueryFilter). **Modelled:** the 400 bodies (the page documents the fields, not the errors).
      const request = JSON.parse(body) as {
        reportType?: string;
        subscriptionList?: string[];
        carbonScopeList?: string[];
        skipToken?: string;
        pageSize?: number;
        dateRange?: { start?: string; end?: string };
      };
      const refuse = (message: string) =>
        send(res, 400, { error: { code: "BadRequest", message } });
      const subscriptionList = request.subscriptionList ?? [];
      if (subscriptionList.length === 0) return refuse("subscriptionList is required");
      if (subscriptionList.length > 100) {
        return refuse(
          `subscriptionList has ${subscriptionList.length} entries; at most 100 are allowed`,
        );
      }
      // "Each subscription ID should be in lowercase format."
      if (subscriptionList.some((id) => id !== id.toLowerCase()))
        return refuse("subscriptionList entries must be lower-case subscription ids");
      // carbonScopeList: required, one or more of EmissionScopeEnum; the answer sums the listed scopes.
      const scopes = request.carbonScopeList ?? [];
      if (scopes.length === 0 || scopes.some((x) => !["Scope1", "Scope2", "Scope3"].includes(x)))
        return refuse("carbonScopeList must list one or more of Scope1, Scope2, Scope3");
      if (
        request.reportType === "ItemDetailsReport" &&
        (request.pageSize === undefined || request.pageSize < 1 || request.pageSize > 5000)
      )
        return refuse("pageSize is required, between 1 and 5000");
      const { start = "", end = "" } = request.dateRange ?? {};
      if (start !== end) return refuse("ItemDetailsReport needs start = end");
      // Dates are yyyy-MM-01: "Only the first day of each month is accepted."
      if (!/^\d{4}-\d{2}-01$/.test(start))
        return refuse("dateRange dates must be the first day of a month (yyyy-MM-01)");
      const range = availableCarbonRange();
      if (start < range.startDate || start > range.endDate)
        return refuse(
          `dateRange ${start} is outside the available range ${range.startDate} to ${range.endDate}`,
        );
      const offset = Number(request.skipToken ?? 0);
      const items = carbon.filter((c) => subscriptionList.includes(c.subscriptionId));
      const item = items[offset];
      const kg = item
        ? (scopes.includes("Scope1") ? item.scope1 : 0) +
          (scopes.includes("Scope2") ? item.scope2 : 0) +
          (scopes.includes("Scope3") ? item.scope3 : 0)
        : 0;
      return send(res, 200, {
        subscriptionAccessDecisionList: subscriptionList.map((subscriptionId) => ({
          subscriptionId,
          decision: "Allowed",
        })),
        value: item
          ? [
              {
                dataType: "ItemDetailsData",
                latestMonthEmissions: kg,
                previousMonthEmissions: 0,
                itemName: item.subscriptionId,
                subscriptionId: item.subscriptionId,
                categoryType: "Subscription",
              },
            ]
          : [],
        ...(offset + 1 < items.length ? { skipToken: String(offset + 1) } : {}),
      });
    }
    const descendants =
      /^\/providers\/Microsoft\.Management\/managementGroups\/([^/]+)\/descendants$/i.exec(
        url.pathname,
      );
    if (descendants && req.method === "GET") {
      const groupId = decodeURIComponent(descendants[1] ?? "");
      if (!managementGroups.some((g) => g.id === groupId)) {
        return send(res, 404, {
          error: { code: "NotFound", message: `Management group '${groupId}' not found.` },
        });
      }
      const below = (id: string): { id: string; parent?: string; subscriptions: string[] }[] =>
        managementGroups.filter((g) => g.parent === id).flatMap((g) => [g, ...below(g.id)]);
      const group = managementGroups.find((g) => g.id === groupId)!;
      const mgPath = (id: string) => `/providers/Microsoft.Management/managementGroups/${id}`;
      const entries = [group, ...below(groupId)].flatMap((g) => [
        ...(g === group
          ? []
          : [
              {
                id: mgPath(g.id),
                type: "Microsoft.Management/managementGroups",
                name: g.id,
                properties: { displayName: g.id, parent: { id: mgPath(g.parent ?? "") } },
              },
            ]),
        ...g.subscriptions.map((sub) => ({
          id: `/subscriptions/${sub}`,
          type: "/subscriptions",
          name: sub,
          properties: { displayName: sub, parent: { id: mgPath(g.id) } },
        })),
      ]);
      const size = options.pageSize ?? 1000;
      const offset = Number(url.searchParams.get("$skiptoken") ?? 0);
      return send(res, 200, {
        value: entries.slice(offset, offset + size),
        nextLink:
          offset + size < entries.length
            ? `${base}${url.pathname}?api-version=2020-05-01&$skiptoken=${offset + size}`
            : null,
      });
    }
    if (url.pathname === "/subscriptions" && req.method === "GET") {
      return send(res, 200, {
        value: subscriptions.map((s) => ({
          ...s,
          id: `/subscriptions/${s.subscriptionId}`,
          tenantId: options.tenantId,
        })),
      });
    }
    return send(res, 404, {
      error: { code: "NotFound", message: `${req.method} ${url.pathname}` },
    });
  }

  const server: Server = createServer({ key, cert }, (req, res) => {
    handle(req, res).catch((error: unknown) =>
      send(res, 500, { error: { code: "InternalServerError", message: String(error) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: cert, keepAlive: false });
  const inner = createDefaultHttpClient();
  return {
    url: base,
    endpoints: { authorityHost: base, arm: base },
    httpClient: {
      sendRequest: (request) => {
        request.agent = agent;
        return inner.sendRequest(request);
      },
    },
    requests,
    setUsage: (rows) => (usage = rows),
    setSubscriptions: (subs) => (subscriptions = subs),
    throttleNext: (...headers) => throttles.push(...headers),
    denyQuery: (id) => (denied = id),
    revokeTokens: () => tokens.clear(),
    setCarbon: (items) => (carbon = items),
    setCarbonAvailableRange: (range) => (carbonRange = range),
    setManagementGroups: (groups) => (managementGroups = groups),
    setCostDetailsMaxRows: (rows) => (costDetailsMaxRows = rows),
    setVirtualMachines: (vms) => (virtualMachines = vms),
    throttleNextMetrics: (...seconds) => metricsThrottles.push(...seconds),
    denyVirtualMachines: (id) => (vmListDenied = id),
    metricsCalls,
    get qpuThrottled() {
      return qpuThrottled;
    },
    setCostDetails: (rows) => (costDetails = rows),
    failNextReport: (...errors) => reportFailures.push(...errors),
    throttleNextPoll: (...headers) => pollThrottles.push(...headers),
    denyCostDetails: (scope) => (costDetailsDenied = scope),
    failNextBlob: (...statuses) => blobFailures.push(...statuses),
    stallNextBlob: () => void stallBlobs++,
    blobSignatures,
    close: () =>
      new Promise<void>((resolve, reject) => {
        agent.destroy();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
