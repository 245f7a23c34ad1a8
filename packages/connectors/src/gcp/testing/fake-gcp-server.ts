import { createVerify, generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  fakeCatalogServices,
  fakeComputeSkus,
  fakeUsdRates,
  skuResource,
  type FakeCatalogSku,
} from "./fake-gcp-catalog";

/**
 * A local stand-in for Google's OAuth token endpoint (JWT-bearer grant; the assertion's RS256
 * signature is verified against the service account's public key, and the token carries the scopes
 * of the assertion's `scope` claim) and the BigQuery REST API (jobs.insert, jobs.get,
 * jobs.getQueryResults with pageToken paging, tables.get of the billing export; 429
 * rateLimitExceeded; 403 accessDenied naming the permission). `serviceAccountKey()` returns a JSON
 * key whose token_uri points here.
 *
 * A contract server: it refuses what Google refuses. Each rule, its documentation and the test
 * enforcing it are listed in packages/connectors/README.md ("GCP fake: contract rules").
 */
export type GcpUsageRow = {
  hour: string; // ISO
  projectId: string;
  service: string;
  sku: string;
  region: string;
  machineSpec?: string;
  cores?: string;
  memoryMb?: string;
  unit: string;
  amount: number;
  cost: number;
  /** regular (default), tax, adjustment or rounding_error, as the billing export's cost_type. */
  costType?: string;
  /** The sum of the line's credits (negative), as the usage query returns it. */
  credits?: number;
  /** The line's user labels (`labels` repeated key/value record). */
  labels?: Record<string, string>;
  /** `resource.name` (detailed export only). */
  resourceName?: string;
};

/**
 * The documented authorization scopes of each BigQuery method the connector calls (any one suffices).
 * https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/insert#authorization-scopes and the
 * same section of jobs.query, jobs.get, jobs.getQueryResults, tables.get, tabledata.list.
 */
const WRITE_SCOPES = [
  "https://www.googleapis.com/auth/bigquery",
  "https://www.googleapis.com/auth/cloud-platform",
];
/**
 * Cloud Billing's authorization scopes for billingAccounts.projects.list and
 * billingAccounts.testIamPermissions (any one suffices):
 * https://cloud.google.com/billing/docs/reference/rest/v1/billingAccounts.projects/list#authorization-scopes,
 * https://cloud.google.com/billing/docs/reference/rest/v1/billingAccounts/testIamPermissions#authorization-scopes
 */
const BILLING_SCOPES = [
  "https://www.googleapis.com/auth/cloud-billing",
  "https://www.googleapis.com/auth/cloud-billing.readonly",
  "https://www.googleapis.com/auth/cloud-platform",
];
const READ_SCOPES = [
  ...WRITE_SCOPES,
  "https://www.googleapis.com/auth/bigquery.readonly",
  "https://www.googleapis.com/auth/cloud-platform.read-only",
];

/** `project.dataset.gcp_billing_export_[resource_]v1_…`, as a query names it (backticks optional). */
const exportTableInQuery =
  /`?([a-z][a-z0-9-]*\.[A-Za-z0-9_]+\.gcp_billing_export_(?:resource_)?v1_[A-Za-z0-9_]+)`?/;
/** A comparison on an ingestion-time pseudo column, which partition elimination can use. */
const partitionPredicate = /\b_PARTITION(?:TIME|DATE)\s*(?:>=|<=|=|<|>|\bBETWEEN\b|\bIN\b)/i;

export type FakeGcp = {
  url: string;
  requests: {
    method: string;
    path: string;
    /** The query string without "?". */
    query: string;
    authorization: string | undefined;
    body: string;
  }[];
  /** A service-account JSON key (as text) for this fake; `valid: false` gives a key the fake does not know. */
  serviceAccountKey(valid?: boolean): string;
  setUsage(rows: GcpUsageRow[]): void;
  /** Rows the Carbon Footprint export query returns (query text mentions carbon_footprint_kgCO2e). */
  setCarbon(
    rows: {
      projectId: string;
      service: string;
      region: string;
      modelVersion: string;
      scope1: number;
      scope2Location: number;
      scope2Market: number | null;
      scope3: number;
    }[],
  ): void;
  rateLimitNext(times: number): void;
  deny(permission: string | undefined): void;
  /** Access tokens issued, with the scopes the assertion's `scope` claim asked for. */
  issuedTokens: { token: string; scopes: string[] }[];
  /**
   * The billing export table's options. `requirePartitionFilter` (default true) models the table
   * option `require_partition_filter`: a query on the table without a `_PARTITIONTIME` predicate is
   * refused. Google does not set it on billing export tables; the fake does by default so that a
   * query scanning the whole table (what the customer pays for) fails the tests.
   */
  setExportTable(options: { requirePartitionFilter?: boolean }): void;
  /**
   * Compute Engine instances for Cloud Monitoring: `compute.googleapis.com/instance/cpu/utilization`
   * (a fraction, per sample) by sample time; `machineType` is the metadata system label.
   */
  setInstances(
    instances: {
      projectId: string;
      instanceId: string;
      zone: string;
      machineType?: string;
      samples: { at: Date; value: number }[];
    }[],
  ): void;
  /** timeSeries.list: series per page (Google: pageSize, at most 100,000 results; default here 100,000). */
  setTimeSeriesPageSize(size: number): void;
  /** monitoring.timeSeries.list is denied on this project (no Monitoring Viewer role). */
  denyMonitoring(projectId: string | undefined): void;
  /**
   * Workload identity federation: the pool provider (`audience`) that accepts `subjectToken` (the
   * fake's stand-in for an OIDC token it validated) and the service account its principal may
   * impersonate (`impersonationGranted`, roles/iam.workloadIdentityUser). STS answers at
   * `{url}/v1/token`, IAM Credentials at `{url}/v1/projects/-/serviceAccounts/{email}:generateAccessToken`.
   */
  setWorkloadIdentity(options: {
    audience: string;
    subjectToken: string;
    serviceAccount: string;
    impersonationGranted?: boolean;
  }): void;
  /**
   * Cloud Billing: the billing account (`0123AB-456789-CDEF01`), its projects, and the permissions
   * the service account holds on it (roles/billing.viewer: billing.accounts.get,
   * billing.resourceAssociations.list). `apiDisabled` answers 403 SERVICE_DISABLED.
   */
  setBillingAccount(options: {
    id: string;
    projects: { projectId: string; billingEnabled?: boolean }[];
    permissions?: string[];
    apiDisabled?: boolean;
  }): void;
  /**
   * The Cloud Catalog's Compute Engine SKUs (default: `fakeComputeSkus()`, four regions) and the
   * fake's clock for "timestamps in the future are not allowed" (default: the real clock).
   */
  setCatalog(options: { skus?: FakeCatalogSku[]; now?: Date }): void;
  /** A credential configuration as `gcloud iam workload-identity-pools create-cred-config` writes it. */
  externalAccountConfig(options?: { impersonate?: boolean; audience?: string }): string;
  close(): Promise<void>;
};

const fields = [
  ["usage_start_time", "TIMESTAMP"],
  ["usage_end_time", "TIMESTAMP"],
  ["project_id", "STRING"],
  ["service_description", "STRING"],
  ["sku_description", "STRING"],
  ["location_region", "STRING"],
  ["location_location", "STRING"],
  ["machine_spec", "STRING"],
  ["cores", "STRING"],
  ["memory_mb", "STRING"],
  ["usage_unit", "STRING"],
  ["currency", "STRING"],
  ["cost_type", "STRING"],
  ["usage_amount", "FLOAT"],
  ["cost", "FLOAT"],
  ["credits", "FLOAT"],
] as const;

const micros = (iso: string) => `${Date.parse(iso) * 1000}`;

const column = (name: string, type: string) => ({ name, type, mode: "NULLABLE" });
const record = (name: string, fields: Record<string, string>, mode?: "REPEATED") => ({
  name,
  type: "RECORD",
  ...(mode ? { mode } : {}),
  fields: Object.entries(fields).map(([field, type]) => ({ name: field, type })),
});
const keyValues = { key: "STRING", value: "STRING" };

/** tables.get schema of the standard export; the detailed one adds `resource` (name, global_name). */
const exportSchema = (detailed: boolean) => ({
  fields: [
    column("billing_account_id", "STRING"),
    record("service", { id: "STRING", description: "STRING" }),
    record("sku", { id: "STRING", description: "STRING" }),
    column("usage_start_time", "TIMESTAMP"),
    column("usage_end_time", "TIMESTAMP"),
    record("project", { id: "STRING", name: "STRING" }),
    record("labels", keyValues, "REPEATED"),
    record("system_labels", keyValues, "REPEATED"),
    record("location", { location: "STRING", country: "STRING", region: "STRING", zone: "STRING" }),
    ...(detailed ? [record("resource", { name: "STRING", global_name: "STRING" })] : []),
    column("export_time", "TIMESTAMP"),
    column("cost", "FLOAT"),
    column("currency", "STRING"),
    record("usage", { amount: "FLOAT", unit: "STRING" }),
    record("credits", { name: "STRING", amount: "FLOAT" }, "REPEATED"),
    column("cost_type", "STRING"),
  ],
});

export async function startFakeGcp(
  options: {
    pageSize?: number;
    /**
     * Lifetime of every access token the fake issues (`expires_in`; default 3599 s, Google's), after
     * which it answers 401 UNAUTHENTICATED.
     * https://developers.google.com/identity/protocols/oauth2/service-account#httprest ("expires after one hour").
     */
    tokenLifetimeSeconds?: number;
  } = {},
): Promise<FakeGcp> {
  const known = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const unknown = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const clientEmail = "canopy-reader@acme-billing.iam.gserviceaccount.com";
  const tokens = new Map<string, string[]>();
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? 3599;
  const expiresAt = new Map<string, number>();
  /** Records a token the fake issued: its scopes and when it stops working. */
  const issue = (value: string, scopes: string[]) => {
    tokens.set(value, scopes);
    expiresAt.set(value, Date.now() + lifetimeSeconds * 1000);
    issuedTokens.push({ token: value, scopes });
  };
  const issuedTokens: FakeGcp["issuedTokens"] = [];
  const requests: FakeGcp["requests"] = [];
  const jobs = new Map<
    string,
    {
      rows: GcpUsageRow[];
      projectsOnly: boolean;
      carbon: boolean;
      labels: boolean;
      resource: boolean;
    }
  >();
  let requirePartitionFilter = true;
  let instances: Parameters<FakeGcp["setInstances"]>[0] = [];
  let timeSeriesPageSize = 100_000;
  let monitoringDenied: string | undefined;
  let workloadIdentity: Parameters<FakeGcp["setWorkloadIdentity"]>[0] | undefined;
  let billingAccount: Parameters<FakeGcp["setBillingAccount"]>[0] | undefined;
  let usage: GcpUsageRow[] = [];
  let catalogSkus = fakeComputeSkus();
  let catalogNow: Date | undefined;
  let carbon: Parameters<FakeGcp["setCarbon"]>[0] = [];
  let rateLimited = 0;
  let denied: string | undefined;
  let base = "";

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(body));
  };
  const error = (
    res: ServerResponse,
    code: number,
    reason: string,
    message: string,
    status: string,
  ) =>
    send(res, code, {
      error: { code, message, errors: [{ message, domain: "global", reason }], status },
    });

  /** 403 as Google answers a token without any of the method's documented scopes. */
  const scopeInsufficient = (res: ServerResponse, method: string) =>
    send(res, 403, {
      error: {
        code: 403,
        message: "Request had insufficient authentication scopes.",
        status: "PERMISSION_DENIED",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            domain: "googleapis.com",
            metadata: { service: "bigquery.googleapis.com", method },
          },
        ],
      },
    });

  function token(res: ServerResponse, form: URLSearchParams) {
    const assertion = form.get("assertion") ?? "";
    const [header = "", claims = "", signature = ""] = assertion.split(".");
    const verified = createVerify("RSA-SHA256")
      .update(`${header}.${claims}`)
      .verify(known.publicKey, Buffer.from(signature, "base64url"));
    const payload = JSON.parse(Buffer.from(claims, "base64url").toString("utf8") || "{}") as {
      iss?: string;
      aud?: string;
      scope?: string;
    };
    if (
      form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer" ||
      !verified ||
      payload.iss !== clientEmail ||
      payload.aud !== `${base}/token`
    ) {
      return send(res, 400, {
        error: "invalid_grant",
        error_description: "Invalid JWT Signature.",
      });
    }
    // The assertion must name the scopes (space-delimited `scope` claim); the token carries exactly those.
    // https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests
    const scopes = (payload.scope ?? "").split(" ").filter(Boolean);
    if (scopes.length === 0)
      return send(res, 400, {
        error: "invalid_scope",
        error_description: "Invalid OAuth scope or ID token audience provided.",
      });
    const value = `ya29.fake-${tokens.size + 1}`;
    issue(value, scopes);
    return send(res, 200, {
      access_token: value,
      expires_in: lifetimeSeconds,
      token_type: "Bearer",
    });
  }

  /** RFC 6749 §5.2 / RFC 8693 §2.2.2 error response, as STS answers. */
  const oauthError = (res: ServerResponse, status: number, code: string, description: string) =>
    send(res, status, { error: code, error_description: description });

  /**
   * STS token exchange (https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token):
   * grant_type, requested_token_type, subject_token and subject_token_type are required; audience is
   * required when exchanging an external credential, scope too ("Required when exchanging an external
   * credential for a Google access token"). The body may be form-encoded or JSON.
   */
  function stsToken(req: IncomingMessage, res: ServerResponse, body: string) {
    const json = /application\/json/.test(req.headers["content-type"] ?? "");
    const form = json
      ? new Map(Object.entries(JSON.parse(body || "{}") as Record<string, string>))
      : new URLSearchParams(body);
    const field = (name: string, camel: string) => form.get(name) ?? form.get(camel) ?? undefined;
    const grantType = field("grant_type", "grantType");
    const requestedTokenType = field("requested_token_type", "requestedTokenType");
    const subjectToken = field("subject_token", "subjectToken");
    const subjectTokenType = field("subject_token_type", "subjectTokenType");
    const audience = field("audience", "audience");
    const scope = field("scope", "scope");
    if (grantType !== "urn:ietf:params:oauth:grant-type:token-exchange")
      return oauthError(
        res,
        400,
        "unsupported_grant_type",
        `Invalid value for "grant_type": ${grantType ?? "missing"}`,
      );
    if (requestedTokenType !== "urn:ietf:params:oauth:token-type:access_token")
      return oauthError(res, 400, "invalid_request", `Invalid value for "requested_token_type"`);
    if (!subjectToken) return oauthError(res, 400, "invalid_request", `Missing "subject_token"`);
    // OIDC providers take jwt or id_token; saml2 and aws4_request are for SAML and AWS providers.
    if (
      subjectTokenType !== "urn:ietf:params:oauth:token-type:jwt" &&
      subjectTokenType !== "urn:ietf:params:oauth:token-type:id_token"
    )
      return oauthError(res, 400, "invalid_request", `Invalid value for "subject_token_type"`);
    if (!audience || audience !== workloadIdentity?.audience)
      return oauthError(
        res,
        400,
        "invalid_target",
        'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
      );
    if (subjectToken !== workloadIdentity.subjectToken)
      return oauthError(
        res,
        400,
        "invalid_grant",
        "The subject token could not be verified by the pool provider.",
      );
    const scopes = (scope ?? "").split(" ").filter(Boolean);
    if (scopes.length === 0) return oauthError(res, 400, "invalid_scope", `Missing "scope"`);
    const value = `ya29.federated-${tokens.size + 1}`;
    issue(value, scopes);
    return send(res, 200, {
      access_token: value,
      issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
      token_type: "Bearer",
      expires_in: lifetimeSeconds,
    });
  }

  /**
   * generateAccessToken (https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken):
   * the caller's token needs the iam or cloud-platform scope (authorization scopes); `scope` is
   * required; `lifetime` is at most 3600s unless the organization policy
   * iam.allowServiceAccountCredentialLifetimeExtension allows up to 12 h (not modelled: 3600s max);
   * the caller needs iam.serviceAccounts.getAccessToken on the account (roles/iam.workloadIdentityUser
   * for a federated principal, https://cloud.google.com/iam/docs/workload-identity-federation-with-other-providers#impersonation).
   */
  function generateAccessToken(res: ServerResponse, email: string, bearer: string, body: string) {
    const granted = tokens.get(bearer) ?? [];
    if (
      !granted.includes("https://www.googleapis.com/auth/cloud-platform") &&
      !granted.includes("https://www.googleapis.com/auth/iam")
    )
      return scopeInsufficient(res, "google.iam.credentials.v1.IAMCredentials.GenerateAccessToken");
    const request = JSON.parse(body || "{}") as { scope?: unknown; lifetime?: unknown };
    const scopes = Array.isArray(request.scope) ? request.scope.map(String).filter(Boolean) : [];
    if (scopes.length === 0)
      return error(res, 400, "badRequest", "Scope required.", "INVALID_ARGUMENT");
    const lifetime = request.lifetime === undefined ? "3600s" : String(request.lifetime);
    const seconds = /^(\d+)(?:\.\d+)?s$/.exec(lifetime)?.[1];
    if (!seconds || Number(seconds) > 3600)
      return error(
        res,
        400,
        "badRequest",
        `The lifetime "${lifetime}" is invalid: at most 3600s unless the organization policy allows more.`,
        "INVALID_ARGUMENT",
      );
    if (
      !workloadIdentity ||
      email !== workloadIdentity.serviceAccount ||
      workloadIdentity.impersonationGranted === false ||
      !bearer.startsWith("ya29.federated-")
    )
      return error(
        res,
        403,
        "forbidden",
        "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
        "PERMISSION_DENIED",
      );
    const value = `ya29.impersonated-${tokens.size + 1}`;
    issue(value, scopes);
    return send(res, 200, {
      accessToken: value,
      expireTime: new Date(
        Date.now() + Math.min(Number(seconds), lifetimeSeconds) * 1000,
      ).toISOString(),
    });
  }

  /**
   * Cloud Billing v1 (REST, as @google-cloud/billing's fallback transport sends it):
   * `GET /v1/billingAccounts/{id}/projects` (ListProjectBillingInfo: `pageSize` at most 100, also the
   * default; a larger one is cut to 100, as AIP-158 has APIs coerce it; `pageToken`; needs
   * billing.resourceAssociations.list) and `POST /v1/billingAccounts/{id}:testIamPermissions`
   * (`permissions` required, no wildcards; answers the subset the caller holds).
   * https://cloud.google.com/billing/docs/reference/rest/v1/billingAccounts.projects/list,
   * https://cloud.google.com/billing/docs/reference/rest/v1/billingAccounts/testIamPermissions,
   * https://google.aip.dev/158. **Modelled:** a billing account the caller cannot see answers the same
   * 403 as a missing permission (Google does not tell the two apart).
   */
  function cloudBilling(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    method: string,
    bearer: string,
    url: URL,
    body: string,
  ) {
    const granted = tokens.get(bearer) ?? [];
    if (!BILLING_SCOPES.some((scope) => granted.includes(scope)))
      return send(res, 403, {
        error: {
          code: 403,
          message: "Request had insufficient authentication scopes.",
          status: "PERMISSION_DENIED",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
              domain: "googleapis.com",
              metadata: { service: "cloudbilling.googleapis.com" },
            },
          ],
        },
      });
    if (billingAccount?.apiDisabled)
      return error(
        res,
        403,
        "accessNotConfigured",
        "Cloud Billing API has not been used in project acme-billing before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/cloudbilling.googleapis.com/overview?project=acme-billing then retry.",
        "PERMISSION_DENIED",
      );
    const held =
      billingAccount && billingAccount.id === id ? (billingAccount.permissions ?? []) : [];
    if (method === ":testIamPermissions") {
      if (req.method !== "POST")
        return error(res, 405, "badRequest", "POST only", "INVALID_ARGUMENT");
      const asked = (JSON.parse(body || "{}") as { permissions?: unknown }).permissions;
      if (!Array.isArray(asked) || asked.length === 0)
        return error(res, 400, "badRequest", "permissions is required", "INVALID_ARGUMENT");
      if (asked.some((p) => String(p).includes("*")))
        return error(
          res,
          400,
          "badRequest",
          "Permissions with wildcards (such as '*' or 'storage.*') are not allowed.",
          "INVALID_ARGUMENT",
        );
      return send(res, 200, { permissions: asked.map(String).filter((p) => held.includes(p)) });
    }
    if (req.method !== "GET") return error(res, 405, "badRequest", "GET only", "INVALID_ARGUMENT");
    if (!held.includes("billing.resourceAssociations.list"))
      return error(
        res,
        403,
        "forbidden",
        "The caller does not have permission",
        "PERMISSION_DENIED",
      );
    const size = Math.min(Number(url.searchParams.get("pageSize") || 100), 100);
    const offset = Number(url.searchParams.get("pageToken") || 0);
    const projects = billingAccount?.projects ?? [];
    const page = projects.slice(offset, offset + size);
    return send(res, 200, {
      projectBillingInfo: page.map((p) => ({
        name: `projects/${p.projectId}/billingInfo`,
        projectId: p.projectId,
        billingAccountName: `billingAccounts/${id}`,
        billingEnabled: p.billingEnabled ?? true,
      })),
      ...(offset + size < projects.length ? { nextPageToken: String(offset + size) } : {}),
    });
  }

  /**
   * Cloud Billing Catalog v1: `GET /v1/services` and `GET /v1/services/{serviceId}/skus`.
   * - Authorization scopes cloud-billing, cloud-billing.readonly or cloud-platform, else 403
   *   ACCESS_TOKEN_SCOPE_INSUFFICIENT (both methods' "Authorization scopes").
   * - `pageSize`: "Requested page size. Defaults to 5000." No maximum is documented; a negative
   *   size is 400 INVALID_ARGUMENT and a larger one is cut to 5000 (AIP-158,
   *   https://google.aip.dev/158: APIs must reject negative sizes and may coerce large ones;
   *   **modelled**: 5000 as the cap). `pageToken` is opaque: one the fake did not issue, or one used
   *   with other parameters, is 400 INVALID_ARGUMENT (AIP-158). `nextPageToken` until the last page.
   * - `startTime`/`endTime` (skus.list): "Timestamps in the future are not allowed. The time range has
   *   to be within a single calendar month in America/Los_Angeles timezone. Time range as a whole is
   *   optional"; both or neither (**modelled**: one alone is 400), start before end. Without a range
   *   the current version of each price; with one, every version in force during it.
   * - `currencyCode`: ISO 4217, default USD; converted "at the conversion rate as of startTime"
   *   (the fixture's rates; an unsupported code is 400, **modelled**).
   * - An unknown service is 404 NOT_FOUND (**modelled**: the status code).
   * https://cloud.google.com/billing/docs/reference/rest/v1/services/list,
   * https://cloud.google.com/billing/docs/reference/rest/v1/services.skus/list
   */
  function cloudCatalog(res: ServerResponse, bearer: string, url: URL, serviceId?: string) {
    const granted = tokens.get(bearer) ?? [];
    if (!BILLING_SCOPES.some((scope) => granted.includes(scope)))
      return send(res, 403, {
        error: {
          code: 403,
          message: "Request had insufficient authentication scopes.",
          status: "PERMISSION_DENIED",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
              domain: "googleapis.com",
              metadata: { service: "cloudbilling.googleapis.com" },
            },
          ],
        },
      });
    const invalid = (message: string) => error(res, 400, "badRequest", message, "INVALID_ARGUMENT");
    const q = url.searchParams;
    const requested = q.has("pageSize") ? Number(q.get("pageSize")) : 5000;
    if (!Number.isInteger(requested) || requested < 0)
      return invalid("page_size must not be negative");
    const size = requested === 0 ? 5000 : Math.min(requested, 5000);
    // The token binds the page to the request it continues (everything but pageToken and pageSize).
    const binding = [...q.entries()]
      .filter(([k]) => k !== "pageToken" && k !== "pageSize" && k !== "$alt")
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    let offset = 0;
    const pageToken = q.get("pageToken");
    if (pageToken) {
      const decoded = /^(\d+)\|(.*)$/s.exec(Buffer.from(pageToken, "base64url").toString("utf8"));
      if (!decoded || decoded[2] !== `${serviceId ?? ""}?${binding}`)
        return invalid("Invalid page token.");
      offset = Number(decoded[1]);
    }
    const page = <T>(items: T[]) => ({
      items: items.slice(offset, offset + size),
      ...(offset + size < items.length
        ? {
            nextPageToken: Buffer.from(
              `${offset + size}|${serviceId ?? ""}?${binding}`,
              "utf8",
            ).toString("base64url"),
          }
        : {}),
    });
    if (serviceId === undefined) {
      const { items, nextPageToken } = page(fakeCatalogServices);
      return send(res, 200, {
        services: items.map((s) => ({
          name: `services/${s.serviceId}`,
          serviceId: s.serviceId,
          displayName: s.displayName,
          businessEntityName: "businessEntities/GCP",
        })),
        ...(nextPageToken ? { nextPageToken } : {}),
      });
    }
    if (!fakeCatalogServices.some((s) => s.serviceId === serviceId))
      return error(res, 404, "notFound", `Service ${serviceId} not found.`, "NOT_FOUND");
    const currencyCode = q.get("currencyCode") || "USD";
    if (!(currencyCode in fakeUsdRates))
      return invalid(`Currency code ${currencyCode} is not supported.`);
    const now = (catalogNow ?? new Date()).getTime();
    const [start, end] = [q.get("startTime"), q.get("endTime")].map((t) =>
      t === null ? undefined : Date.parse(t),
    );
    let range: { start: number; end: number } | undefined;
    if (start !== undefined || end !== undefined) {
      if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end))
        return invalid("Both start_time and end_time must be valid timestamps.");
      if (start > now || end > now) return invalid("Timestamps in the future are not allowed.");
      if (start >= end) return invalid("start_time must be before end_time.");
      // The calendar month in America/Los_Angeles of both ends (end exclusive).
      const laMonth = (ms: number) =>
        new Intl.DateTimeFormat("en-CA", {
          timeZone: "America/Los_Angeles",
          year: "numeric",
          month: "2-digit",
        }).format(new Date(ms));
      if (laMonth(start) !== laMonth(end - 1))
        return invalid(
          "The time range has to be within a single calendar month in America/Los_Angeles timezone.",
        );
      range = { start, end };
    }
    const skus = serviceId === "6F81-5844-456A" ? catalogSkus : [];
    const { items, nextPageToken } = page(skus);
    return send(res, 200, {
      skus: items.map((sku) => skuResource(serviceId, sku, currencyCode, range, now)),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
  }

  /**
   * projects.timeSeries.list (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list):
   * authorization scopes monitoring, monitoring.read, cloud-platform (or the read-only one), else 403
   * ACCESS_TOKEN_SCOPE_INSUFFICIENT; `filter` names one `metric.type` (an unknown type → 404
   * "Cannot find metric(s)…"; **modelled**: the status); `interval.endTime` required, start not after
   * end; `view` FULL or HEADERS; a per-series aligner other than ALIGN_NONE needs an
   * `alignmentPeriod` of at least 60 s (Aggregation,
   * https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#aggregation);
   * aligned points cover [end − period, end) with periods counted back from the interval's end;
   * `nextPageToken` pages. Denied project → 403 "Permission monitoring.timeSeries.list denied".
   */
  function timeSeries(res: ServerResponse, projectId: string, url: URL) {
    const p = url.searchParams;
    const filter = p.get("filter") ?? "";
    const type = /metric\.type\s*=\s*"([^"]+)"/.exec(filter)?.[1];
    if (!type)
      return error(
        res,
        400,
        "badRequest",
        "Field filter had an invalid value: a metric.type is required",
        "INVALID_ARGUMENT",
      );
    const knownTypes = [
      "compute.googleapis.com/instance/cpu/utilization",
      "compute.googleapis.com/instance/uptime",
    ];
    if (!knownTypes.includes(type))
      return error(
        res,
        404,
        "notFound",
        `Cannot find metric(s) that match type = "${type}". If a metric was created recently, it could take up to 10 minutes to become available. Please try again soon.`,
        "NOT_FOUND",
      );
    if (monitoringDenied === projectId)
      return error(
        res,
        403,
        "forbidden",
        `Permission monitoring.timeSeries.list denied (or the resource may not exist).`,
        "PERMISSION_DENIED",
      );
    const endText = p.get("interval.endTime");
    if (!endText)
      return error(
        res,
        400,
        "badRequest",
        "Field interval.endTime is required",
        "INVALID_ARGUMENT",
      );
    const end = Date.parse(endText);
    const start = Date.parse(p.get("interval.startTime") ?? endText);
    if (!Number.isFinite(end) || !Number.isFinite(start) || start > end)
      return error(
        res,
        400,
        "badRequest",
        "Field interval.startTime should be earlier than interval.endTime",
        "INVALID_ARGUMENT",
      );
    const view = p.get("view") ?? "FULL";
    if (!["FULL", "HEADERS"].includes(view))
      return error(res, 400, "badRequest", `Invalid value at 'view' (${view})`, "INVALID_ARGUMENT");
    const aligners = [
      "ALIGN_NONE",
      "ALIGN_DELTA",
      "ALIGN_RATE",
      "ALIGN_INTERPOLATE",
      "ALIGN_NEXT_OLDER",
      "ALIGN_MIN",
      "ALIGN_MAX",
      "ALIGN_MEAN",
      "ALIGN_COUNT",
      "ALIGN_SUM",
      "ALIGN_STDDEV",
      "ALIGN_PERCENTILE_99",
      "ALIGN_PERCENTILE_95",
      "ALIGN_PERCENTILE_50",
      "ALIGN_PERCENTILE_05",
    ];
    const aligner = p.get("aggregation.perSeriesAligner") ?? "ALIGN_NONE";
    if (!aligners.includes(aligner))
      return error(
        res,
        400,
        "badRequest",
        `Invalid value at 'aggregation.per_series_aligner' (${aligner})`,
        "INVALID_ARGUMENT",
      );
    const periodText = p.get("aggregation.alignmentPeriod");
    const periodS = periodText ? Number(/^(\d+)s$/.exec(periodText)?.[1] ?? NaN) : undefined;
    if (aligner !== "ALIGN_NONE" && (periodS === undefined || !(periodS >= 60)))
      return error(
        res,
        400,
        "badRequest",
        "The alignment period must be at least 60 seconds when a per-series aligner is given.",
        "INVALID_ARGUMENT",
      );
    if (aligner !== "ALIGN_NONE" && aligner !== "ALIGN_MEAN")
      return error(
        res,
        400,
        "badRequest",
        `The fake aligns with ALIGN_MEAN only (asked ${aligner})`,
        "INVALID_ARGUMENT",
      );
    const mine = type.endsWith("cpu/utilization")
      ? instances.filter((i) => i.projectId === projectId)
      : [];
    const offset = Number(p.get("pageToken") || 0);
    const page = mine.slice(offset, offset + timeSeriesPageSize);
    const series = page.map((i) => {
      const inWindow = i.samples.filter((x) => x.at.getTime() > start && x.at.getTime() <= end);
      let points: {
        interval: { startTime: string; endTime: string };
        value: { doubleValue: number };
      }[];
      if (aligner === "ALIGN_MEAN" && periodS) {
        const periodMs = periodS * 1000;
        const buckets = new Map<number, { sum: number; n: number }>();
        for (const x of inWindow) {
          // Period k covers (end − (k+1)·P, end − k·P]; its point is stamped at its end.
          const k = Math.floor((end - x.at.getTime()) / periodMs);
          const bucketEnd = end - k * periodMs;
          const b = buckets.get(bucketEnd) ?? { sum: 0, n: 0 };
          b.sum += x.value;
          b.n++;
          buckets.set(bucketEnd, b);
        }
        // Newest first, as Google returns points.
        points = [...buckets]
          .sort((a, b) => b[0] - a[0])
          .map(([t, b]) => ({
            interval: {
              startTime: new Date(t - periodMs).toISOString(),
              endTime: new Date(t).toISOString(),
            },
            value: { doubleValue: b.sum / b.n },
          }));
      } else {
        points = inWindow
          .sort((a, b) => b.at.getTime() - a.at.getTime())
          .map((x) => ({
            interval: { startTime: x.at.toISOString(), endTime: x.at.toISOString() },
            value: { doubleValue: x.value },
          }));
      }
      return {
        metric: { type, labels: { instance_name: `vm-${i.instanceId}` } },
        resource: {
          type: "gce_instance",
          labels: { project_id: projectId, instance_id: i.instanceId, zone: i.zone },
        },
        metadata: { systemLabels: i.machineType ? { machine_type: i.machineType } : {} },
        metricKind: "GAUGE",
        valueType: "DOUBLE",
        ...(view === "FULL" ? { points } : {}),
      };
    });
    return send(res, 200, {
      timeSeries: series,
      unit: "10^2.%",
      ...(offset + timeSeriesPageSize < mine.length
        ? { nextPageToken: String(offset + timeSeriesPageSize) }
        : {}),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", base);
    requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: url.search.slice(1),
      authorization: req.headers.authorization,
      body,
    });
    if (url.pathname === "/token" && req.method === "POST")
      return token(res, new URLSearchParams(body));
    if (url.pathname === "/v1/token" && req.method === "POST") return stsToken(req, res, body);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !tokens.has(bearer) || Date.now() >= (expiresAt.get(bearer) ?? 0)) {
      return error(
        res,
        401,
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        "UNAUTHENTICATED",
      );
    }
    const impersonation = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
      decodeURIComponent(url.pathname),
    );
    if (impersonation && req.method === "POST")
      return generateAccessToken(res, impersonation[1] ?? "", bearer, body);
    if (url.pathname === "/v1/services" && req.method === "GET")
      return cloudCatalog(res, bearer, url);
    const catalogSkusPath = /^\/v1\/services\/([^/]+)\/skus$/.exec(url.pathname);
    if (catalogSkusPath && req.method === "GET")
      return cloudCatalog(res, bearer, url, decodeURIComponent(catalogSkusPath[1] ?? ""));
    const billing = /^\/v1\/billingAccounts\/([^/:]+)(\/projects|:testIamPermissions)$/.exec(
      url.pathname,
    );
    if (billing)
      return cloudBilling(req, res, billing[1] ?? "", billing[2] ?? "", bearer, url, body);
    if (rateLimited > 0) {
      rateLimited--;
      return error(
        res,
        429,
        "rateLimitExceeded",
        "Exceeded rate limits: too many api requests per user per method for this user_method.",
        "RESOURCE_EXHAUSTED",
      );
    }
    const granted = tokens.get(bearer) ?? [];
    const allows = (scopes: string[]) => scopes.some((scope) => granted.includes(scope));
    const series = /^\/v3\/projects\/([^/]+)\/timeSeries$/.exec(url.pathname);
    if (series && req.method === "GET") {
      const monitoringScopes = [
        "https://www.googleapis.com/auth/monitoring",
        "https://www.googleapis.com/auth/monitoring.read",
        "https://www.googleapis.com/auth/cloud-platform",
        "https://www.googleapis.com/auth/cloud-platform.read-only",
      ];
      if (!allows(monitoringScopes))
        return scopeInsufficient(res, "google.monitoring.v3.MetricService.ListTimeSeries");
      return timeSeries(res, decodeURIComponent(series[1] ?? ""), url);
    }
    const table = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(
      url.pathname,
    );
    if (table && req.method === "GET") {
      if (!allows(READ_SCOPES))
        return scopeInsufficient(res, "google.cloud.bigquery.v2.TableService.GetTable");
      const [, project = "", dataset = "", tableId = ""] = table;
      if (denied === "bigquery.tables.get")
        return error(
          res,
          403,
          "accessDenied",
          `Access Denied: Table ${project}:${dataset}.${tableId}: Permission bigquery.tables.get denied on table ${project}:${dataset}.${tableId} (or it may not exist).`,
          "PERMISSION_DENIED",
        );
      const kind = /^gcp_billing_export_(resource_)?v1_/.exec(tableId);
      if (!kind)
        return error(
          res,
          404,
          "notFound",
          `Not found: Table ${project}:${dataset}.${tableId}`,
          "NOT_FOUND",
        );
      return send(res, 200, {
        kind: "bigquery#table",
        id: `${project}:${dataset}.${tableId}`,
        tableReference: { projectId: project, datasetId: dataset, tableId },
        schema: exportSchema(Boolean(kind[1])),
        // Ingestion-time partitioned by day: no `field`, so the pseudo column _PARTITIONTIME.
        timePartitioning: { type: "DAY" },
        ...(requirePartitionFilter ? { requirePartitionFilter: true } : {}),
        type: "TABLE",
        location: "US",
      });
    }
    const insert = /^\/bigquery\/v2\/projects\/([^/]+)\/(jobs|queries)$/.exec(url.pathname);
    if (insert && req.method === "POST") {
      if (!allows(WRITE_SCOPES))
        return scopeInsufficient(
          res,
          insert[2] === "jobs"
            ? "google.cloud.bigquery.v2.JobService.InsertJob"
            : "google.cloud.bigquery.v2.JobService.Query",
        );
      if (insert[2] === "queries")
        return error(res, 501, "notImplemented", "jobs.query is not faked", "UNIMPLEMENTED");
      const project = insert[1] ?? "";
      if (denied === "bigquery.jobs.create") {
        return error(
          res,
          403,
          "accessDenied",
          `Access Denied: Project ${project}: User does not have bigquery.jobs.create permission in project ${project}.`,
          "PERMISSION_DENIED",
        );
      }
      if (denied === "bigquery.tables.getData") {
        return error(
          res,
          403,
          "accessDenied",
          `Access Denied: Table ${project}:billing.export: User does not have permission to query table ${project}:billing.export, or perhaps it does not exist. (bigquery.tables.getData)`,
          "PERMISSION_DENIED",
        );
      }
      const request = JSON.parse(body) as {
        jobReference?: { jobId?: string; location?: string };
        configuration?: { query?: { query?: string } };
      };
      const jobId = request.jobReference?.jobId ?? `job_${jobs.size + 1}`;
      const text = request.configuration?.query?.query ?? "";
      const exportTable = exportTableInQuery.exec(text)?.[1];
      // require_partition_filter: "Cannot query over table … without a filter over column(s) … that can be
      // used for partition elimination" (https://cloud.google.com/bigquery/docs/querying-partitioned-tables).
      if (exportTable && requirePartitionFilter && !partitionPredicate.test(text))
        return error(
          res,
          400,
          "invalidQuery",
          `Cannot query over table '${exportTable}' without a filter over column(s) '_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME' that can be used for partition elimination`,
          "INVALID_ARGUMENT",
        );
      // The standard export has no `resource` column (detailed-usage schema only).
      if (exportTable && !/_resource_v1_/.test(exportTable) && /\bresource\.name\b/.test(text))
        return error(
          res,
          400,
          "invalidQuery",
          "Unrecognized name: resource at [1:1]",
          "INVALID_ARGUMENT",
        );
      // The discovery query (SELECT project.id AS id …) gets distinct projects; every other query the usage rows.
      const projectsOnly = /project\.id AS id/.test(text);
      const isCarbon = /carbon_footprint_kgCO2e/.test(text);
      jobs.set(jobId, {
        rows: [...usage],
        projectsOnly,
        carbon: isCarbon,
        labels: /\bAS labels\b/.test(text),
        resource: /\bAS resource_name\b/.test(text),
      });
      return send(res, 200, {
        kind: "bigquery#job",
        id: `${project}:US.${jobId}`,
        jobReference: {
          projectId: project,
          jobId,
          location: request.jobReference?.location ?? "US",
        },
        configuration: JSON.parse(body).configuration,
        status: { state: "DONE" },
      });
    }
    const get = /^\/bigquery\/v2\/projects\/([^/]+)\/(jobs|queries)\/([^/]+)$/.exec(url.pathname);
    if (get && req.method === "GET") {
      const [, project = "", kind, jobId = ""] = get;
      if (!allows(READ_SCOPES))
        return scopeInsufficient(
          res,
          kind === "jobs"
            ? "google.cloud.bigquery.v2.JobService.GetJob"
            : "google.cloud.bigquery.v2.JobService.GetQueryResults",
        );
      const job = jobs.get(jobId);
      if (!job)
        return error(res, 404, "notFound", `Not found: Job ${project}:${jobId}`, "NOT_FOUND");
      if (kind === "jobs")
        return send(res, 200, {
          kind: "bigquery#job",
          jobReference: { projectId: project, jobId, location: "US" },
          status: { state: "DONE" },
        });
      const max = Math.min(
        Number(url.searchParams.get("maxResults") ?? 100_000),
        options.pageSize ?? 100_000,
      );
      const offset = Number(url.searchParams.get("pageToken") ?? 0);
      const cell = (v: string | number | undefined) => ({ v: v === undefined ? null : String(v) });
      if (job.carbon) {
        const names = [
          "project_id",
          "service",
          "region",
          "model_version",
          "scope1",
          "scope2_location",
          "scope2_market",
          "scope3",
        ];
        return send(res, 200, {
          kind: "bigquery#getQueryResultsResponse",
          jobReference: { projectId: project, jobId, location: "US" },
          jobComplete: true,
          totalRows: String(carbon.length),
          schema: { fields: names.map((name, i) => ({ name, type: i < 4 ? "STRING" : "FLOAT" })) },
          rows: carbon.map((c) => ({
            f: [
              c.projectId,
              c.service,
              c.region,
              c.modelVersion,
              c.scope1,
              c.scope2Location,
              c.scope2Market ?? undefined,
              c.scope3,
            ].map(cell),
          })),
        });
      }
      if (job.projectsOnly) {
        const projects = [...new Set(job.rows.map((r) => r.projectId))].sort();
        return send(res, 200, {
          kind: "bigquery#getQueryResultsResponse",
          jobReference: { projectId: project, jobId, location: "US" },
          jobComplete: true,
          totalRows: String(projects.length),
          schema: {
            fields: [
              { name: "id", type: "STRING" },
              { name: "name", type: "STRING" },
            ],
          },
          rows: projects.map((id) => ({ f: [cell(id), cell(id)] })),
        });
      }
      const page = job.rows.slice(offset, offset + max);
      const schema: { name: string; type: string; mode: string; fields?: unknown[] }[] = fields.map(
        ([name, type]) => ({ name, type, mode: "NULLABLE" }),
      );
      if (job.labels)
        schema.push({
          name: "labels",
          type: "RECORD",
          mode: "REPEATED",
          fields: [
            { name: "key", type: "STRING", mode: "NULLABLE" },
            { name: "value", type: "STRING", mode: "NULLABLE" },
          ],
        });
      if (job.resource) schema.push({ name: "resource_name", type: "STRING", mode: "NULLABLE" });
      return send(res, 200, {
        kind: "bigquery#getQueryResultsResponse",
        jobReference: { projectId: project, jobId, location: "US" },
        jobComplete: true,
        totalRows: String(job.rows.length),
        schema: { fields: schema },
        rows: page.map((r) => ({
          f: [
            cell(micros(r.hour)),
            cell(micros(new Date(Date.parse(r.hour) + 3_600_000).toISOString())),
            cell(r.projectId),
            cell(r.service),
            cell(r.sku),
            cell(r.region),
            cell(r.region),
            cell(r.machineSpec),
            cell(r.cores),
            cell(r.memoryMb),
            cell(r.unit),
            cell("USD"),
            cell(r.costType ?? "regular"),
            cell(r.amount),
            cell(r.cost),
            cell(r.credits),
            // A REPEATED RECORD on the wire: { v: [{ v: { f: [{ v: key }, { v: value }] } }] }, sorted by key.
            ...(job.labels
              ? [
                  {
                    v: Object.entries(r.labels ?? {})
                      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                      .map(([key, value]) => ({ v: { f: [{ v: key }, { v: value }] } })),
                  },
                ]
              : []),
            ...(job.resource ? [cell(r.resourceName)] : []),
          ],
        })),
        ...(offset + max < job.rows.length ? { pageToken: String(offset + max) } : {}),
      });
    }
    return error(res, 404, "notFound", `${req.method} ${url.pathname}`, "NOT_FOUND");
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => error(res, 500, "backendError", String(e), "INTERNAL"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    serviceAccountKey: (valid = true) =>
      JSON.stringify({
        type: "service_account",
        project_id: "acme-billing",
        private_key_id: "fake-key-id",
        private_key: (valid ? known : unknown).privateKey.export({ type: "pkcs8", format: "pem" }),
        client_email: clientEmail,
        client_id: "1234567890",
        token_uri: `${base}/token`,
      }),
    setUsage: (rows) => (usage = rows),
    setCarbon: (rows) => (carbon = rows),
    rateLimitNext: (times) => (rateLimited = times),
    deny: (permission) => (denied = permission),
    issuedTokens,
    setExportTable: (options) => {
      requirePartitionFilter = options.requirePartitionFilter ?? true;
    },
    setInstances: (list) => (instances = list),
    setTimeSeriesPageSize: (size) => (timeSeriesPageSize = size),
    denyMonitoring: (projectId) => (monitoringDenied = projectId),
    setWorkloadIdentity: (options) => (workloadIdentity = options),
    setBillingAccount: (options) => (billingAccount = options),
    setCatalog: (options) => {
      if (options.skus) catalogSkus = options.skus;
      if (options.now) catalogNow = options.now;
    },
    externalAccountConfig: (options = {}) =>
      JSON.stringify({
        universe_domain: "googleapis.com",
        type: "external_account",
        audience: options.audience ?? workloadIdentity?.audience,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: "https://sts.googleapis.com/v1/token",
        credential_source: {
          file: "/var/run/secrets/canopy/gcp-subject-token",
          format: { type: "text" },
        },
        ...(options.impersonate === false
          ? {}
          : {
              service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${workloadIdentity?.serviceAccount}:generateAccessToken`,
            }),
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
