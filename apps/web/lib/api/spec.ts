import { z } from "zod";
import type { Permission } from "../permissions";
import * as al from "./alert-schemas";
import * as alloc from "./allocation-schemas";
import * as gd from "./grid-schemas";
import * as g from "./region-schemas";
import * as r from "./reconciliation-schemas";
import { utilizationResponseSchema } from "./utilization-schemas";
import * as rec from "./recommendation-schemas";
import * as s from "./schemas";

/**
 * Every /api/v1 operation: method, path, permission, and its zod request/response schemas. The OpenAPI
 * document is generated from this list, and a test checks it matches the route files.
 */
export type Operation = {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  /** Longer documentation, in the operation's description after the permission. */
  description?: string;
  permission: Permission | "public";
  query?: z.ZodObject;
  params?: z.ZodObject;
  body?: { schema: z.ZodType; contentType: "application/json" | "multipart/form-data" };
  /** A JSON body validated by `schema`, or a file in one of `binary`'s content types. */
  response: { status: number; schema: z.ZodType } | { status: number; binary: BinaryContentType[] };
  /** Answers besides the success and the common 400/401/403/404 (the body's schema; `Error` if none). */
  otherResponses?: { status: number; description: string; schema?: z.ZodType }[];
};

/** Content types an operation may answer with as a file (`response.binary`). */
export type BinaryContentType =
  | "application/pdf"
  | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
  | "text/csv"
  | "application/yaml";

export const operations: Operation[] = [
  {
    method: "get",
    path: "/api/v1/emissions",
    summary: "Emissions time series with filters, granularity and group-by (as on the dashboard)",
    permission: "emissions.read",
    query: s.seriesQuerySchema,
    response: { status: 200, schema: s.seriesResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/emissions/breakdown",
    summary: "Emissions per provider, account, service, region or scope over a range (paginated)",
    permission: "emissions.read",
    query: s.breakdownQuerySchema,
    response: { status: 200, schema: s.breakdownResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/emissions/summary",
    summary: "KPI figures: totals, month comparisons, cost intensity, share on default factors",
    permission: "emissions.read",
    query: s.filtersSchema,
    response: { status: 200, schema: s.summaryResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/utilization",
    summary:
      "Share of compute energy estimated from measured CPU utilization, and each account's latest utilization read",
    permission: "emissions.read",
    query: s.filtersSchema,
    response: { status: 200, schema: utilizationResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/emissions/options",
    summary:
      "Values each filter can take in a range under the other filters, and tag key and value discovery",
    permission: "emissions.read",
    query: s.filterOptionsQuerySchema,
    response: { status: 200, schema: s.filterOptionsResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/reconciliation",
    summary:
      "Canopy's estimate beside each provider's own figures per month, like with like, with the market-based basis and the calibration factor history",
    permission: "emissions.read",
    query: r.reconciliationQuerySchema,
    response: { status: 200, schema: r.reconciliationResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/reconciliation/calibrated",
    summary:
      "The calibrated view of one month: Canopy's hours or days scaled to the provider's figure per scope; months without one stay uncalibrated",
    permission: "emissions.read",
    query: r.calibratedQuerySchema,
    response: { status: 200, schema: r.calibratedResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/regions/{provider}/{region}/intensity-profile",
    summary:
      "A region's hourly grid intensity profile (hour of day × month, mean gCO2e/kWh) and the best window for shiftable work",
    description:
      "For a region the organization has emissions in (404 for any other). Reads the grid zone's stored hourly values " +
      "(the highest-precedence source per hour, as estimation does) over the last 12 months with data, UTC. Without " +
      "hourly data `cells` is empty and `annual` is the factor estimation uses; `sources` carries each source's " +
      "licence and attribution, `failingSources` the sources whose last sync for the zone failed.",
    permission: "emissions.read",
    params: g.regionParamsSchema,
    query: g.intensityProfileQuerySchema,
    response: { status: 200, schema: g.intensityProfileResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/grid/datasets",
    summary: "Loads of the shared grid-intensity store, newest first, with the data notice",
    description:
      "Instance administrators only (CANOPY_INSTANCE_ADMINS): the store is shared by every organization. " +
      "Scheduled source syncs that failed are listed with their reason.",
    permission: "emissions.read",
    response: { status: 200, schema: gd.gridLoadListSchema },
    otherResponses: [{ status: 403, description: "Not an instance administrator." }],
  },
  {
    method: "post",
    path: "/api/v1/grid/datasets",
    summary: "Upload one Electricity Maps hourly dataset file into the shared grid-intensity store",
    description:
      "Instance administrators only (CANOPY_INSTANCE_ADMINS). The whole file is checked before anything is stored; " +
      "then every organization's account-months in its zone and hours are re-estimated.",
    permission: "emissions.read",
    body: { schema: gd.gridDatasetBodySchema, contentType: "multipart/form-data" },
    response: { status: 201, schema: gd.gridDatasetCreatedSchema },
    otherResponses: [
      { status: 403, description: "Not an instance administrator." },
      {
        status: 422,
        description:
          "`invalid_dataset`: wrong columns, another zone than the file name, a gap, a duplicate hour or an intensity " +
          "outside 0–2,000 g/kWh; the message names the line and nothing is stored.",
      },
      {
        status: 503,
        description:
          "`owner_connection_unavailable`: this web server runs jobs on a worker; load files with `pnpm canopy grid import`.",
      },
    ],
  },
  {
    method: "get",
    path: "/api/v1/accounts",
    summary: "Cloud accounts of the organization (credentials are never returned)",
    permission: "accounts.read",
    query: s.pageQuerySchema,
    response: { status: 200, schema: s.accountListSchema },
  },
  {
    method: "get",
    path: "/api/v1/accounts/{id}",
    summary: "One cloud account",
    permission: "accounts.read",
    params: s.idParamSchema,
    response: { status: 200, schema: s.accountSchema },
  },
  {
    method: "patch",
    path: "/api/v1/accounts/{id}",
    summary:
      "Set the account's source precedence (which import or sync counts when several cover a day)",
    permission: "accounts.manage",
    params: s.idParamSchema,
    body: { schema: s.accountUpdateSchema, contentType: "application/json" },
    response: { status: 200, schema: s.accountSchema },
  },
  {
    method: "get",
    path: "/api/v1/imports",
    summary: "Billing-file imports, newest first (cursor pagination)",
    permission: "imports.read",
    query: s.importListQuerySchema,
    response: { status: 200, schema: s.importListSchema },
  },
  {
    method: "post",
    path: "/api/v1/imports",
    summary: "Upload a billing file (multipart field `file`) and queue its import",
    description:
      "Fields before `file`: `format` (leave out to detect), `cloudAccountId` (import only that account), `replace=true` " +
      "(replace stored data without asking). Without `replace`, an import that would remove stored data the file does " +
      "not re-supply (services, most rows or cost of a day, or data of another kind of source) changes nothing and waits " +
      "in `awaiting_confirmation`: see GET /api/v1/imports/{id}.",
    permission: "imports.create",
    body: { schema: s.importCreateBodySchema, contentType: "multipart/form-data" },
    response: { status: 202, schema: s.importCreatedSchema },
    otherResponses: [
      {
        status: 413,
        description:
          "`file_too_large`: the file is larger than CANOPY_IMPORT_MAX_BYTES; `import_quota_exceeded`: with it the " +
          "organization's stored files would pass CANOPY_IMPORT_QUOTA_BYTES (the message names the quota, used and " +
          "remaining; GET /api/v1/imports has them in `limits`). Answered before the body is read when its " +
          "Content-Length is past the limit, else as soon as the streamed body passes it; nothing is kept.",
      },
    ],
  },
  {
    method: "get",
    path: "/api/v1/imports/{id}",
    summary: "One import: status, progress, summary and the emissions it added",
    description:
      "Poll until `status` is `succeeded` (and `estimates` is not `pending`) or `failed`. An import that would remove " +
      "stored data it does not re-supply answers **409** with `error.code = replacement_needs_confirmation`, " +
      "`error.preview` (per account and UTC days: what is stored now against what the file brings, and the reasons) " +
      "and the import itself in `import`; nothing has been changed. Confirm with POST /api/v1/imports/{id}/confirm " +
      "(then poll again), or upload with `replace=true` to skip the question.",
    permission: "imports.read",
    params: s.idParamSchema,
    response: { status: 200, schema: s.importDetailSchema },
    otherResponses: [
      {
        status: 409,
        description:
          "The import is awaiting_confirmation: it would replace stored data it does not re-supply (nothing changed yet).",
        schema: s.importAwaitingConfirmationSchema,
      },
    ],
  },
  {
    method: "post",
    path: "/api/v1/imports/{id}/confirm",
    summary: "Confirm an import awaiting confirmation: it runs again and replaces the stored data",
    description:
      "Answers 202 with the import (queued again); poll GET /api/v1/imports/{id}. Its `summary.replaced` then lists " +
      "what it replaced; the previous version is kept (POST /api/v1/imports/{id}/restore).",
    permission: "imports.create",
    params: s.idParamSchema,
    response: { status: 202, schema: s.importSchema },
    otherResponses: [
      {
        status: 409,
        description:
          "`not_awaiting_confirmation`: the import is in another state (the message says which). " +
          "`file_not_kept`: confirming imports the stored file again, and it is no longer kept.",
      },
    ],
  },
  {
    method: "post",
    path: "/api/v1/imports/{id}/restore",
    summary: "Restore the previous version an import replaced (its usage stops counting)",
    description:
      "What the import replaced counts again and its own rows are kept as a previous version; the affected months are " +
      "re-estimated. `summary.restoredAt` is set.",
    permission: "imports.create",
    params: s.idParamSchema,
    response: { status: 200, schema: s.importRestoredSchema },
    otherResponses: [
      {
        status: 409,
        description:
          "`restore_refused`: its days were replaced since by another run (restore that one first), it was restored already, it has not finished, or it was recorded before Canopy kept previous versions. The message says which.",
      },
    ],
  },
  {
    method: "get",
    path: "/api/v1/jobs",
    summary: "Recent sync runs (imports, syncs, backfills, re-estimations) and their errors",
    permission: "imports.read",
    query: s.jobQuerySchema,
    response: { status: 200, schema: s.jobListSchema },
  },
  {
    method: "get",
    path: "/api/v1/reports",
    summary:
      "Report versions (Scope 2/3 cloud emissions reports), newest period first, with their headline figures",
    permission: "reports.generate",
    query: s.reportListQuerySchema,
    response: { status: 200, schema: s.reportListSchema },
  },
  {
    method: "post",
    path: "/api/v1/reports",
    summary:
      "Generate a period's draft (all accounts or the chosen ones); recomputes an existing draft, or after a final version makes a new draft only if the figures changed",
    permission: "reports.generate",
    body: { schema: s.reportGenerateBodySchema, contentType: "application/json" },
    response: { status: 201, schema: s.reportGeneratedSchema },
    otherResponses: [
      {
        status: 200,
        description: "An existing draft of the period was recomputed (`created` is false).",
        schema: s.reportGeneratedSchema,
      },
    ],
  },
  {
    method: "post",
    path: "/api/v1/reports/{id}/finalize",
    summary:
      "Finalize (lock) a draft: its figures and files never change again; needs the content SHA-256 you reviewed",
    permission: "reports.finalize",
    description:
      "Only owners, admins and finance may finalize (others: 403). 409 `report_changed` when the figures changed since the hash was read, `report_locked` when the version is already final, `report_not_ready` while estimation of the period is still running.",
    params: s.idParamSchema,
    body: { schema: s.reportFinalizeBodySchema, contentType: "application/json" },
    response: { status: 200, schema: s.reportSchema },
    otherResponses: [
      {
        status: 409,
        description: "The figures changed, the version is final, or estimation is still running.",
      },
    ],
  },
  {
    method: "get",
    path: "/api/v1/reports/{id}",
    summary:
      "One report version with its boundary (the accounts with data), breakdowns (provider, account, service, region and the chosen tag keys) and comparisons, as the report page shows them",
    permission: "reports.generate",
    params: s.idParamSchema,
    response: { status: 200, schema: s.reportDetailSchema },
  },
  {
    method: "get",
    path: "/api/v1/reports/{id}/download",
    summary:
      "A report as PDF, XLSX or CSV (attachment): a final version's stored file, a draft recomputed and rendered now",
    permission: "reports.generate",
    params: s.idParamSchema,
    query: s.reportDownloadQuerySchema,
    response: {
      status: 200,
      binary: [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
      ],
    },
  },
  {
    method: "get",
    path: "/api/v1/recommendations",
    summary:
      "Recommendation findings (region moves, older generations, unattached volumes, old snapshots, storage lifecycle) with CO2e (location and market), water and cost on the same line",
    description:
      "Recomputed by the compute-recommendations job after each rollup; figures are per average month of 730.5 h from the basis month's usage (docs/methodology.md §20). At most 500 findings, largest location-based saving first; filter by state or rule for the rest.",
    permission: "emissions.read",
    query: rec.recommendationQuerySchema,
    response: { status: 200, schema: rec.recommendationListSchema },
  },
  {
    method: "patch",
    path: "/api/v1/recommendations/{id}",
    summary:
      "Change a finding's state: accepted, dismissed (with a reason), done (with doneAt), or open",
    description:
      "Recomputation keeps the state; a done finding's realized saving is measured from the emissions after doneAt.",
    permission: "recommendations.triage",
    params: s.idParamSchema,
    body: { schema: rec.findingStateChangeSchema, contentType: "application/json" },
    response: { status: 200, schema: rec.findingSchema },
  },
  {
    method: "post",
    path: "/api/v1/recommendations/recompute",
    summary: "Queue the compute-recommendations job for the organization now",
    permission: "recommendations.triage",
    response: { status: 202, schema: rec.recomputeResponseSchema },
  },
  {
    method: "get",
    path: "/api/v1/recommendations/settings",
    summary:
      "The constraint set region moves honour: allowed continents, jurisdictions, data-residency tag",
    permission: "emissions.read",
    response: { status: 200, schema: rec.recommendationSettingsSchema },
  },
  {
    method: "patch",
    path: "/api/v1/recommendations/settings",
    summary: "Replace the constraint set (applies on the next computation)",
    permission: "recommendations.configure",
    body: { schema: rec.recommendationSettingsSchema, contentType: "application/json" },
    response: { status: 200, schema: rec.recommendationSettingsSchema },
  },
  {
    method: "get",
    path: "/api/v1/api-keys",
    summary: "The organization's API keys (never the keys themselves)",
    permission: "apiKeys.manage",
    response: { status: 200, schema: s.apiKeyListSchema },
  },
  {
    method: "post",
    path: "/api/v1/api-keys",
    summary: "Create an API key with a role; the key is in this response only",
    permission: "apiKeys.manage",
    body: { schema: s.apiKeyCreateSchema, contentType: "application/json" },
    response: { status: 201, schema: s.apiKeyCreatedSchema },
  },
  {
    method: "delete",
    path: "/api/v1/api-keys/{id}",
    summary: "Revoke an API key",
    permission: "apiKeys.manage",
    params: s.idParamSchema,
    response: { status: 200, schema: s.apiKeySchema },
  },
  {
    method: "get",
    path: "/api/v1/alerts",
    summary: "Emission spikes and budget alerts, newest first, with the mutes in force",
    description:
      "A spike is one day of the organization, an account, a service or a tag value far above the same weekday of the previous 8 weeks (docs/methodology.md §19.1); a budget alert says a budget's forecast or actual passed it.",
    permission: "emissions.read",
    query: al.alertListQuerySchema,
    response: { status: 200, schema: al.alertListSchema },
  },
  {
    method: "post",
    path: "/api/v1/alerts/{id}/acknowledge",
    summary: "Acknowledge an alert",
    permission: "alerts.triage",
    params: s.idParamSchema,
    response: { status: 200, schema: al.alertSchema },
  },
  {
    method: "post",
    path: "/api/v1/alerts/{id}/mute",
    summary: "Mute the alert's kind for its scope (for some days, or until unmuted)",
    description: "New alerts of a muted scope are kept as `muted` and not delivered.",
    permission: "alerts.triage",
    params: s.idParamSchema,
    body: { schema: al.muteBodySchema, contentType: "application/json" },
    response: { status: 201, schema: al.muteSchema },
  },
  {
    method: "get",
    path: "/api/v1/alerts/{id}/deliveries",
    summary: "The delivery log of an alert: each email and webhook, every attempt",
    permission: "alerts.triage",
    params: s.idParamSchema,
    response: { status: 200, schema: al.deliveryListSchema },
  },
  {
    method: "delete",
    path: "/api/v1/alerts/mutes/{id}",
    summary: "Unmute",
    permission: "alerts.triage",
    params: s.idParamSchema,
    response: { status: 200, schema: s.idParamSchema },
  },
  {
    method: "get",
    path: "/api/v1/budgets",
    summary: "Carbon budgets with this period's burn-down and linear-trend forecast",
    permission: "emissions.read",
    response: { status: 200, schema: al.budgetListSchema },
  },
  {
    method: "post",
    path: "/api/v1/budgets",
    summary: "Create a carbon budget (kg CO2e per month, quarter or year; organization or a tag)",
    permission: "alerts.configure",
    body: { schema: al.budgetCreateSchema, contentType: "application/json" },
    response: { status: 201, schema: al.budgetSchema },
  },
  {
    method: "patch",
    path: "/api/v1/budgets/{id}",
    summary: "Change a budget",
    permission: "alerts.configure",
    params: s.idParamSchema,
    body: { schema: al.budgetPatchSchema, contentType: "application/json" },
    response: { status: 200, schema: al.budgetSchema },
  },
  {
    method: "delete",
    path: "/api/v1/budgets/{id}",
    summary: "Delete a budget and its alerts",
    permission: "alerts.configure",
    params: s.idParamSchema,
    response: { status: 200, schema: s.idParamSchema },
  },
  {
    method: "get",
    path: "/api/v1/webhooks",
    summary: "Alert webhooks (never their secrets)",
    permission: "alerts.configure",
    response: { status: 200, schema: al.webhookListSchema },
  },
  {
    method: "post",
    path: "/api/v1/webhooks",
    summary: "Add a signed webhook (Slack-compatible JSON); the secret is in this response only",
    description:
      'Each POST carries X-Canopy-Timestamp (unix seconds), X-Canopy-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + raw body)) and X-Canopy-Delivery (the same on retries). Verify in constant time and refuse timestamps more than 5 minutes old.',
    permission: "alerts.configure",
    body: { schema: al.webhookCreateSchema, contentType: "application/json" },
    response: { status: 201, schema: al.webhookCreatedSchema },
  },
  {
    method: "patch",
    path: "/api/v1/webhooks/{id}",
    summary: "Rename, move or disable a webhook",
    permission: "alerts.configure",
    params: s.idParamSchema,
    body: { schema: al.webhookPatchSchema, contentType: "application/json" },
    response: { status: 200, schema: al.webhookSchema },
  },
  {
    method: "delete",
    path: "/api/v1/webhooks/{id}",
    summary: "Delete a webhook",
    permission: "alerts.configure",
    params: s.idParamSchema,
    response: { status: 200, schema: s.idParamSchema },
  },
  {
    method: "get",
    path: "/api/v1/targets",
    summary: "Reduction targets with this year's progress and forecast to year end (95 % interval)",
    permission: "emissions.read",
    query: al.targetQuerySchema,
    response: { status: 200, schema: al.targetListSchema },
  },
  {
    method: "post",
    path: "/api/v1/targets",
    summary: "Set the reduction target of a basis (or the SBTi 4.2 %/year linear preset)",
    permission: "alerts.configure",
    body: { schema: al.targetSetSchema, contentType: "application/json" },
    response: { status: 201, schema: al.targetProgressSchema },
  },
  {
    method: "delete",
    path: "/api/v1/targets/{basis}",
    summary: "Remove the target of a basis",
    permission: "alerts.configure",
    params: al.basisParamSchema,
    response: { status: 200, schema: al.basisParamSchema },
  },
  {
    method: "get",
    path: "/api/v1/efficiency",
    summary:
      "Carbon efficiency: kg CO2e per 1,000 of spend per month and currency, and SCI per workload",
    permission: "emissions.read",
    query: al.efficiencyQuerySchema,
    response: { status: 200, schema: al.efficiencySchema },
  },
  {
    method: "get",
    path: "/api/v1/functional-units",
    summary: "SCI (kg CO2e per functional unit) per workload tag and period",
    permission: "emissions.read",
    query: al.functionalUnitsQuerySchema,
    response: { status: 200, schema: al.sciListSchema },
  },
  {
    method: "post",
    path: "/api/v1/functional-units",
    summary: "Post functional-unit counts (requests, users, tokens…) per workload tag and period",
    description: "A count for the same workload, unit and period replaces the previous one.",
    permission: "functionalUnits.write",
    body: { schema: al.functionalUnitsPostSchema, contentType: "application/json" },
    response: { status: 201, schema: al.sciListSchema },
  },
  {
    method: "get",
    path: "/api/v1/cost-centres",
    summary: "Cost centres (or customers) emissions are allocated to",
    permission: "emissions.read",
    response: { status: 200, schema: alloc.costCentreListSchema },
  },
  {
    method: "post",
    path: "/api/v1/cost-centres",
    summary: "Create a cost centre",
    description: "409 when the organization has a cost centre of that name.",
    permission: "allocation.configure",
    body: { schema: alloc.costCentreCreateSchema, contentType: "application/json" },
    response: { status: 201, schema: alloc.costCentreSchema },
  },
  {
    method: "delete",
    path: "/api/v1/cost-centres/{id}",
    summary: "Delete a cost centre; the rows its rules gave it become unallocated",
    permission: "allocation.configure",
    params: s.idParamSchema,
    response: { status: 200, schema: s.idParamSchema },
  },
  {
    method: "get",
    path: "/api/v1/cost-centres/{id}/emissions",
    summary: "One cost centre's allocated emissions for a month, by day (showback)",
    permission: "emissions.read",
    params: s.idParamSchema,
    query: alloc.allocationQuerySchema,
    response: { status: 200, schema: alloc.costCentreEmissionsSchema },
  },
  {
    method: "get",
    path: "/api/v1/allocation",
    summary: "A month's emissions per cost centre, with the unallocated rest",
    description:
      "The same figures as the dashboard (Measures). Per row, hour and month, the cost centres plus unallocated add up to the total.",
    permission: "emissions.read",
    query: alloc.allocationQuerySchema,
    response: { status: 200, schema: alloc.allocationSchema },
  },
  {
    method: "get",
    path: "/api/v1/allocation/rules",
    summary: "Allocation rules, in the order they are read",
    permission: "emissions.read",
    response: { status: 200, schema: alloc.allocationRuleListSchema },
  },
  {
    method: "put",
    path: "/api/v1/allocation/rules",
    summary: "Replace the allocation rules",
    description:
      "The first rule whose filter (tag key and value, service, cloud account) matches an emissions row takes it. The previous list is kept in the audit log.",
    permission: "allocation.configure",
    body: { schema: alloc.allocationRulesPutSchema, contentType: "application/json" },
    response: { status: 200, schema: alloc.allocationRuleListSchema },
  },
  {
    method: "get",
    path: "/api/v1/functional-units/manifest",
    summary: "SCI per workload and period as a Green Software Foundation Impact Framework manifest",
    description:
      "One child per workload and functional unit, one input per period with carbon = (E × I) + M in gCO2e; the builtin Sci plugin reproduces sciKgPerUnit × 1000 (`if-run --manifest`). Written as JSON, which is valid YAML.",
    permission: "emissions.read",
    response: { status: 200, binary: ["application/yaml"] },
  },
  {
    method: "get",
    path: "/api/v1/openapi.json",
    summary: "This document",
    permission: "public",
    response: { status: 200, schema: z.record(z.string(), z.unknown()) },
  },
];
