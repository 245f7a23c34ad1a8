import { sql, type SQL } from "drizzle-orm";
import type { AlertDetails } from "./json/alert-details";
import type { DeliveryAttempt } from "./json/alert-delivery-log";
import type { AuditDetails } from "./json/audit-details";
import type { ConnectionCheckResult } from "./json/connection-check";
import type { GridIntensityLoadDetails } from "./json/grid-intensity-load";
import type { FindingEvidence, MeasureScope, RealizedSaving } from "./json/recommendation-finding";
import type { StoredReportModel } from "./json/report-model";
import type { StoredReportParametersInput } from "./json/report-parameters";
import type { SyncRunDetails } from "./json/sync-run-details";
import type { UtilizationRunDetails } from "./json/utilization-run-details";
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgPolicy,
  pgRole,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  type PgColumn,
} from "drizzle-orm/pg-core";
import { providers } from "@canopy/methodology/providers";
import { memberRoles } from "./member-roles";

/**
 * Group roles created by the first migration. Login roles (see `ensureDatabaseRoles`) are members.
 * - appRole: tenant data, restricted by row-level security to `app.tenant_id`.
 * - authRole: the sign-in tables only (users, sessions, organizations, memberships), across tenants,
 *   because sign-in must list a user's organizations before any tenant is chosen.
 */
export const appRole = pgRole("canopy_app_role").existing();
export const authRole = pgRole("canopy_auth_role").existing();

// In a sub-select, PostgreSQL evaluates the tenant once per statement (an InitPlan), not per row.
const currentTenant = sql`(SELECT current_tenant_id())`;
const tenantMatches = (column: string): SQL => sql`${sql.raw(column)} = ${currentTenant}`;

/** The RLS policy every tenant-owned table carries. */
const tenantIsolation = (column = "tenant_id") =>
  pgPolicy("tenant_isolation", {
    for: "all",
    to: appRole,
    using: tenantMatches(column),
    withCheck: tenantMatches(column),
  });
const authFullAccess = pgPolicy("auth_full_access", {
  for: "all",
  to: authRole,
  using: sql`true`,
  withCheck: sql`true`,
});

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
const tenantId = () =>
  uuid("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" });

/**
 * A reference to a row of the same organization: (tenant_id, column) → the target's (tenant_id, id),
 * so no foreign key can point into another organization (migration 0030; tenant-keys test). Targets
 * carry `sameTenantTarget()`. Deleting the target deletes the referencing rows.
 */
const sameTenantReference = (
  name: string,
  from: { tenantId: PgColumn; column: PgColumn },
  target: () => { tenantId: PgColumn; id: PgColumn },
) =>
  foreignKey({
    name,
    columns: [from.tenantId, from.column],
    foreignColumns: [target().tenantId, target().id],
  }).onDelete("cascade");

/** The key a same-organization reference points at (sameTenantReference). */
const sameTenantTarget = (table: string, t: { tenantId: PgColumn; id: PgColumn }) =>
  unique(`${table}_tenant_id_id_unique`).on(t.tenantId, t.id);

export const memberRole = pgEnum("member_role", memberRoles);
export const cloudProvider = pgEnum("cloud_provider", providers);
export const cloudAccountStatus = pgEnum("cloud_account_status", [
  "pending",
  "active",
  "needs_attention",
  "disabled",
]);
export const syncRunKind = pgEnum("sync_run_kind", ["import", "sync", "backfill", "reestimate"]);
export const syncRunStatus = pgEnum("sync_run_status", [
  "queued",
  "running",
  "succeeded",
  "failed",
  /** An import that would remove stored data it does not re-supply waits for the user to confirm. */
  "awaiting_confirmation",
]);
export const reportStatus = pgEnum("report_status", ["draft", "final"]);
export const connectionCheckStatus = pgEnum("connection_check_status", [
  "checking",
  "passed",
  "failed",
]);

// ---------------------------------------------------------------------------------------------
// Identity (Better Auth's models; property names are the library's field names)
// ---------------------------------------------------------------------------------------------

/** Organizations: the tenants. Row-level security shows the app role only the current tenant. */
export const tenants = pgTable(
  "tenants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    slug: text("slug").notNull().unique(),
    logo: text("logo"),
    metadata: text("metadata"),
    createdAt: createdAt(),
  },
  () => [tenantIsolation("id"), authFullAccess],
);

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: boolean("email_verified").notNull().default(false),
  image: text("image"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    token: text("token").notNull().unique(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    activeOrganizationId: uuid("active_tenant_id").references(() => tenants.id, {
      onDelete: "set null",
    }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Sign-in methods of a user (for email + password, the library's password hash). */
export const authAccounts = pgTable(
  "auth_accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamp("access_token_expires_at", { withTimezone: true }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", { withTimezone: true }),
    scope: text("scope"),
    password: text("password"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("auth_accounts_user_idx").on(t.userId)],
);

export const verifications = pgTable("verifications", {
  id: uuid("id").primaryKey().defaultRandom(),
  identifier: text("identifier").notNull(),
  value: text("value").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Sign-in rate limiting counters, shared by every web process. */
export const rateLimits = pgTable("rate_limits", {
  id: uuid("id").primaryKey().defaultRandom(),
  key: text("key").notNull().unique(),
  count: integer("count").notNull(),
  lastRequest: bigint("last_request", { mode: "number" }).notNull(),
});

export const memberships = pgTable(
  "memberships",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenantId(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: memberRole("role").notNull().default("viewer"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("memberships_tenant_user_uq").on(t.organizationId, t.userId),
    index("memberships_user_idx").on(t.userId),
    tenantIsolation(),
    authFullAccess,
  ],
);

export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenantId(),
    email: text("email").notNull(),
    role: memberRole("role").notNull().default("viewer"),
    status: text("status").notNull().default("pending"),
    inviterId: uuid("inviter_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("invitations_tenant_idx").on(t.organizationId), tenantIsolation(), authFullAccess],
);

// ---------------------------------------------------------------------------------------------
// Tenant data
// ---------------------------------------------------------------------------------------------

/** Organization API keys. Only a SHA-256 of the key is stored; `resolve_api_key()` looks it up. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    name: text("name").notNull(),
    keyPrefix: text("key_prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    role: memberRole("role").notNull().default("viewer"),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, {
      onDelete: "set null",
    }),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    /** After this instant the key is refused (401 "expired"); null: it never expires. */
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_tenant_idx").on(t.tenantId), tenantIsolation()],
);

/** A connected AWS account / Azure subscription scope / GCP billing account, or a file-import source. */
export const cloudAccounts = pgTable(
  "cloud_accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    provider: cloudProvider("provider").notNull(),
    displayName: text("display_name").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    /** AWS: the external ID Canopy generated for the role trust policy. */
    externalId: text("external_id"),
    /** AES-256-GCM ciphertext (base64 of iv | tag | data) and the id of the key that made it. */
    credentialsCiphertext: text("credentials_ciphertext"),
    credentialsKeyId: text("credentials_key_id"),
    status: cloudAccountStatus("status").notNull().default("pending"),
    scope: jsonb("scope").$type<string[]>(),
    lastSyncAt: timestamp("last_sync_at", { withTimezone: true }),
    lastError: text("last_error"),
    /** The wizard's live "Test connection" (validate-connection job): queued/running, then its outcome. */
    connectionCheckStatus: connectionCheckStatus("connection_check_status"),
    /** Permission checks (passed/failed with the fix), discovered accounts and a message; never secrets. */
    connectionChecks: jsonb("connection_checks").$type<ConnectionCheckResult>(),
    connectionCheckedAt: timestamp("connection_checked_at", { withTimezone: true }),
    /**
     * The account's parent at the provider, as the bill names it: the AWS payer (management) account,
     * the Azure billing account or profile, the GCP billing account. Lets the dashboard group by payer.
     */
    parentAccountId: text("parent_account_id"),
    /**
     * Source kinds in order of precedence for this account (best first); null = the default order
     * (stores/sources.ts). For each UTC day only the best source present counts.
     */
    sourcePrecedence: jsonb("source_precedence").$type<string[]>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("cloud_accounts_provider_id_uq").on(t.tenantId, t.provider, t.providerAccountId),
    sameTenantTarget("cloud_accounts", t),
    tenantIsolation(),
  ],
);

/** One sync, import, backfill or re-estimation: its window, counts and outcome. */
export const syncRuns = pgTable(
  "sync_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    cloudAccountId: uuid("cloud_account_id"),
    kind: syncRunKind("kind").notNull(),
    status: syncRunStatus("status").notNull().default("queued"),
    windowStart: timestamp("window_start", { withTimezone: true }),
    windowEnd: timestamp("window_end", { withTimezone: true }),
    rowsRead: bigint("rows_read", { mode: "number" }).notNull().default(0),
    rowsWritten: bigint("rows_written", { mode: "number" }).notNull().default(0),
    rowsSkipped: bigint("rows_skipped", { mode: "number" }).notNull().default(0),
    error: text("error"),
    details: jsonb("details").$type<SyncRunDetails>(),
    createdAt: createdAt(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /**
     * The job working on the run is alive: stamped at each progress report and at least once a
     * minute (jobs/watchdog.ts); a run "running" without it for long is swept as failed. A column,
     * not a details key, because the job's own updates replace details wholesale.
     */
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    /** Which attempt of the job last stamped the heartbeat (1 = the first). */
    attempt: integer("attempt"),
  },
  (t) => [
    index("sync_runs_tenant_created_idx").on(t.tenantId, t.createdAt),
    sameTenantReference(
      "sync_runs_cloud_account_id_cloud_accounts_id_fk",
      { tenantId: t.tenantId, column: t.cloudAccountId },
      () => cloudAccounts,
    ),
    tenantIsolation(),
  ],
);

/** The columns of a usage row, shared by the counted rows and the kept previous versions. */
const usageColumns = () => ({
  // No foreign keys on the two big fact tables: per-row RI checks halved bulk-load speed. The
  // pipeline resolves accounts under withTenant before writing; deleting an account or tenant
  // deletes its usage and emissions explicitly (deleteCloudAccount).
  tenantId: uuid("tenant_id").notNull(),
  cloudAccountId: uuid("cloud_account_id").notNull(),
  hour: timestamp("hour", { withTimezone: true }).notNull(),
  dimsKey: text("dims_key").notNull(),
  periodHours: real("period_hours").notNull().default(1),
  provider: cloudProvider("provider").notNull(),
  service: text("service").notNull(),
  region: text("region").notNull(),
  kind: text("kind").notNull(),
  unit: text("unit").notNull(),
  usageType: text("usage_type").notNull().default(""),
  instanceType: text("instance_type").notNull().default(""),
  vcpus: real("vcpus"),
  memoryGb: real("memory_gb"),
  gpuModel: text("gpu_model"),
  gpuCount: real("gpu_count"),
  storageClass: text("storage_class"),
  replicationHint: real("replication_hint"),
  cpuUtilization: real("cpu_utilization"),
  quantity: doublePrecision("quantity").notNull(),
  costAmount: numeric("cost_amount", { precision: 20, scale: 8 }),
  currency: text("currency"),
  tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
  /** The import or sync run that produced the row (its lineage). */
  syncRunId: uuid("sync_run_id"),
  /** What kind of source produced it (see sourceKinds in stores/sources.ts): cur2, focus, aws-cost-explorer, … */
  sourceKind: text("source_kind").notNull().default("unknown"),
  /**
   * Hash of every column the estimate depends on besides quantity and year (see
   * stores/usage-shape.ts): estimation runs once per (shape, year), not once per row.
   */
  shapeKey: text("shape_key").notNull(),
});

/**
 * Normalized usage that counts: one row per (account, period start, dimensions). `dims_key` is a
 * hash of the dimension columns. For each account and UTC day exactly one source counts (see
 * stores/usage.ts, "precedence"); every other version of that day is kept in usage_superseded.
 */
export const usageHourly = pgTable("usage_hourly", usageColumns(), (t) => [
  // The key serves every read (by account and hour); no second index to maintain on bulk loads.
  primaryKey({ columns: [t.tenantId, t.cloudAccountId, t.hour, t.dimsKey] }),
  tenantIsolation(),
]);

/**
 * Usage rows that do not count: rows a later import or sync replaced (`reason` "replaced", with the
 * run that replaced them), rows that arrived for days a source of higher precedence already covers
 * ("outranked"), rows an undone import had written ("restored") and duplicates found when account
 * identities were merged ("merged"). Restoring moves them back; retention is configurable.
 */
export const usageSuperseded = pgTable(
  "usage_superseded",
  {
    ...usageColumns(),
    reason: text("reason").notNull(),
    supersededBySyncRunId: uuid("superseded_by_sync_run_id"),
    supersededAt: timestamp("superseded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("usage_superseded_replaced_by_idx").on(t.tenantId, t.supersededBySyncRunId),
    index("usage_superseded_run_idx").on(t.tenantId, t.syncRunId),
    index("usage_superseded_at_idx").on(t.supersededAt),
    tenantIsolation(),
  ],
);

/** Columns shared by every emissions table; names carry their units. */
const emissionMeasures = () => ({
  kwhIt: doublePrecision("kwh_it").notNull(),
  kwhFacility: doublePrecision("kwh_facility").notNull(),
  co2eLocationKg: doublePrecision("co2e_location_kg").notNull(),
  co2eMarketKg: doublePrecision("co2e_market_kg").notNull(),
  co2eEmbodiedKg: doublePrecision("co2e_embodied_kg").notNull(),
  waterL: doublePrecision("water_l").notNull(),
  /** Location-based CO2e whose inputs include a default (not regional or measured) factor. */
  co2eOnDefaultsKg: doublePrecision("co2e_on_defaults_kg").notNull().default(0),
  /** Spend-based CO2e of usage without an energy model (@canopy/methodology completeness.ts). */
  co2eSpendBasedKg: doublePrecision("co2e_spend_based_kg").notNull().default(0),
  /** Low and high of the row's total CO2e (location-based + embodied + spend-based), from its quality flags. */
  co2eLowKg: doublePrecision("co2e_low_kg").notNull().default(0),
  co2eHighKg: doublePrecision("co2e_high_kg").notNull().default(0),
  /** Facility kWh whose location-based CO2e used the hour's grid intensity (not the annual average). */
  kwhHourlyGrid: doublePrecision("kwh_hourly_grid").notNull().default(0),
  /** Facility kWh of usage billed for a longer period (a day, a month) spread over its hours. */
  kwhDisaggregated: doublePrecision("kwh_disaggregated").notNull().default(0),
  /** Facility kWh of compute whose power used measured CPU utilization (not the default). */
  kwhMeasuredUtilization: doublePrecision("kwh_measured_utilization").notNull().default(0),
  costAmount: numeric("cost_amount", { precision: 20, scale: 8 }),
  /** The part of cost_amount estimated from spend, and the part out of scope (tax, credits, fees…). */
  costSpendBasedAmount: numeric("cost_spend_based_amount", { precision: 20, scale: 8 })
    .notNull()
    .default("0"),
  costOutOfScopeAmount: numeric("cost_out_of_scope_amount", { precision: 20, scale: 8 })
    .notNull()
    .default("0"),
  currency: text("currency"),
  methodologyVersion: text("methodology_version").notNull(),
});

/**
 * Hourly emissions, range-partitioned by month on `hour`. Drizzle does not create partitioned
 * tables, so its DDL (with foreign keys and the RLS policy) is the hand-written migration
 * `0002_emissions_hourly_partitioned.sql`; see drizzle.config.ts.
 */
export const emissionsHourly = pgTable(
  "emissions_hourly",
  {
    tenantId: uuid("tenant_id").notNull(),
    cloudAccountId: uuid("cloud_account_id").notNull(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    dimsKey: text("dims_key").notNull(),
    provider: cloudProvider("provider").notNull(),
    service: text("service").notNull(),
    region: text("region").notNull(),
    kind: text("kind").notNull(),
    instanceType: text("instance_type").notNull().default(""),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    pue: real("pue").notNull(),
    gridIntensityGPerKwh: real("grid_intensity_g_per_kwh").notNull(),
    /** Bit i set when factor i (power, pue, grid, market, embodied, water) rests on a default. */
    defaultFactorsMask: smallint("default_factors_mask").notNull().default(0),
    ...emissionMeasures(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.hour, t.cloudAccountId, t.dimsKey] })],
);

const rollupDimensions = () => ({
  tenantId: tenantId(),
  cloudAccountId: uuid("cloud_account_id").notNull(),
  provider: cloudProvider("provider").notNull(),
  service: text("service").notNull(),
  region: text("region").notNull(),
  kind: text("kind").notNull(),
});

export const emissionsDaily = pgTable(
  "emissions_daily",
  { day: date("day").notNull(), ...rollupDimensions(), ...emissionMeasures() },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.day, t.cloudAccountId, t.service, t.region, t.kind] }),
    sameTenantReference(
      "emissions_daily_cloud_account_id_cloud_accounts_id_fk",
      { tenantId: t.tenantId, column: t.cloudAccountId },
      () => cloudAccounts,
    ),
    tenantIsolation(),
  ],
);

export const emissionsMonthly = pgTable(
  "emissions_monthly",
  { month: date("month").notNull(), ...rollupDimensions(), ...emissionMeasures() },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.month, t.cloudAccountId, t.service, t.region, t.kind] }),
    sameTenantReference(
      "emissions_monthly_cloud_account_id_cloud_accounts_id_fk",
      { tenantId: t.tenantId, column: t.cloudAccountId },
      () => cloudAccounts,
    ),
    tenantIsolation(),
  ],
);

export const reports = pgTable(
  "reports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    periodStart: date("period_start").notNull(),
    periodEnd: date("period_end").notNull(),
    status: reportStatus("status").notNull().default("draft"),
    version: integer("version").notNull().default(1),
    methodologyVersion: text("methodology_version"),
    dataPackChecksum: text("data_pack_checksum"),
    contentSha256: text("content_sha256"),
    /** @canopy/reports' ReportModel; reportModelSchema names what @canopy/db reads of it. */
    model: jsonb("model").$type<StoredReportModel>(),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, {
      onDelete: "set null",
    }),
    createdAt: createdAt(),
    finalizedAt: timestamp("finalized_at", { withTimezone: true }),
    // Added by the reports issue (packages/reports). A report "series" is one (period, boundary);
    // each row is one version of it. A final row is locked by the trigger in 0004_report_lock.sql.
    /** "all" (every account of the organization) or a hash of the sorted account ids. */
    boundaryKey: text("boundary_key").notNull().default("all"),
    /** The accounts in the boundary; null = all of the organization's accounts. */
    boundaryAccountIds: uuid("boundary_account_ids").array(),
    /** Tag keys and functional units the report was asked for (reportParametersSchema). */
    parameters: jsonb("parameters").$type<StoredReportParametersInput>().notNull().default({}),
    /** The locked version this draft is compared with (no foreign key: locked rows never change). */
    parentReportId: uuid("parent_report_id"),
    /** Rows read to build the report, by table. */
    inputRowCounts: jsonb("input_row_counts").$type<Record<string, number>>(),
    computedAt: timestamp("computed_at", { withTimezone: true }),
    finalizedByUserId: uuid("finalized_by_user_id").references(() => users.id, {
      onDelete: "set null",
    }),
  },
  (t) => [
    index("reports_tenant_period_idx").on(t.tenantId, t.periodStart),
    sameTenantTarget("reports", t),
    uniqueIndex("reports_series_version_uq").on(
      t.tenantId,
      t.periodStart,
      t.periodEnd,
      t.boundaryKey,
      t.version,
    ),
    uniqueIndex("reports_series_draft_uq")
      .on(t.tenantId, t.periodStart, t.periodEnd, t.boundaryKey)
      .where(sql`status = 'draft'`),
    tenantIsolation(),
  ],
);

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/** The files of a finalized report, rendered once at finalization and served unchanged after. */
export const reportFiles = pgTable(
  "report_files",
  {
    tenantId: tenantId(),
    reportId: uuid("report_id").notNull(),
    /** csv | xlsx | pdf */
    format: text("format").notNull(),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    content: bytea("content").notNull(),
    sha256: text("sha256").notNull(),
    bytes: integer("bytes").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.reportId, t.format] }),
    sameTenantReference(
      "report_files_report_id_reports_id_fk",
      { tenantId: t.tenantId, column: t.reportId },
      () => reports,
    ),
    tenantIsolation(),
  ],
);

/**
 * Providers' own carbon figures (AWS Customer Carbon Footprint Tool, Azure Carbon Optimization, GCP
 * Carbon Footprint), per month, for reconciliation with Canopy's estimates. Every model version
 * received is kept (methodology.md section 13).
 */
export const providerReportedEmissions = pgTable(
  "provider_reported_emissions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    cloudAccountId: uuid("cloud_account_id"),
    provider: cloudProvider("provider").notNull(),
    /** The provider's account / subscription / project id the figure is for. */
    providerAccountId: text("provider_account_id").notNull(),
    month: date("month").notNull(),
    service: text("service"),
    region: text("region"),
    /** scope1 | scope2-location | scope2-market | scope3 | total */
    scope: text("scope").notNull(),
    co2eKg: doublePrecision("co2e_kg").notNull(),
    /** Where the figure came from, e.g. "aws-ccft-export" or "gcp-carbon-footprint-bigquery". */
    source: text("source").notNull(),
    modelVersion: text("model_version"),
    importedAt: timestamp("imported_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("provider_reported_emissions_tenant_month_idx").on(t.tenantId, t.month),
    sameTenantReference(
      "provider_reported_emissions_cloud_account_id_cloud_accounts_id_",
      { tenantId: t.tenantId, column: t.cloudAccountId },
      () => cloudAccounts,
    ),
    tenantIsolation(),
  ],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tenantId: tenantId(),
    actorUserId: uuid("actor_user_id"),
    /** Who acted, as shown to admins (email or "api key <prefix>"), kept if the user is deleted. */
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    details: jsonb("details").$type<AuditDetails>(),
    createdAt: createdAt(),
  },
  (t) => [index("audit_log_tenant_created_idx").on(t.tenantId, t.createdAt), tenantIsolation()],
);

export const findingConfidences = ["high", "medium", "low"] as const;
export const findingStates = ["open", "accepted", "dismissed", "done"] as const;

/**
 * Recommendation findings (docs/methodology.md §20): one row per (rule, resource key). Recomputing
 * updates the figures of an existing row and never its state, so accepted, dismissed and done
 * findings stay as users left them. Rows a later run no longer produces are kept with current=false.
 */
export const recommendationFindings = pgTable(
  "recommendation_findings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    ruleId: text("rule_id").notNull(),
    /** Identity of the finding within its rule (account, service, region, instance / usage type). */
    resourceKey: text("resource_key").notNull(),
    /** The resources concerned, as stored in usage_hourly. */
    resources: jsonb("resources").$type<FindingEvidence>().notNull(),
    action: text("action").notNull(),
    howTo: text("how_to").notNull(),
    co2eLocationSavedKgPerMonth: doublePrecision("co2e_location_saved_kg_per_month").notNull(),
    co2eMarketSavedKgPerMonth: doublePrecision("co2e_market_saved_kg_per_month").notNull(),
    waterSavedLPerMonth: doublePrecision("water_saved_l_per_month").notNull(),
    /** Monthly cost change if the action is taken (negative = cheaper); null when no price is known. */
    costDeltaAmountPerMonth: numeric("cost_delta_amount_per_month", { precision: 20, scale: 8 }),
    costCurrency: text("cost_currency"),
    /** Why the cost delta is null, or where its prices come from. */
    costNote: text("cost_note"),
    confidence: text("confidence", { enum: findingConfidences }).notNull(),
    confidenceReason: text("confidence_reason").notNull(),
    basisMonth: date("basis_month").notNull(),
    /** Emissions of the concerned resources in the basis month (what the realized saving compares to). */
    basisCo2eLocationKgPerMonth: doublePrecision("basis_co2e_location_kg_per_month").notNull(),
    basisCo2eMarketKgPerMonth: doublePrecision("basis_co2e_market_kg_per_month").notNull(),
    methodologyVersion: text("methodology_version").notNull(),
    /** Filter over emissions_hourly that measures the concerned resources after the action. */
    measureScope: jsonb("measure_scope").$type<MeasureScope>().notNull(),
    details: jsonb("details").$type<FindingEvidence>().notNull().default({}),
    state: text("state", { enum: findingStates }).notNull().default("open"),
    stateReason: text("state_reason"),
    stateChangedAt: timestamp("state_changed_at", { withTimezone: true }),
    stateChangedBy: text("state_changed_by"),
    doneAt: timestamp("done_at", { withTimezone: true }),
    /** Realized saving of a done finding, measured from emissions after done_at. */
    realized: jsonb("realized").$type<RealizedSaving>(),
    /** False when the latest run no longer produced the finding (the usage is gone or changed). */
    current: boolean("current").notNull().default(true),
    computedAt: timestamp("computed_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("recommendation_findings_rule_resource_uq").on(t.tenantId, t.ruleId, t.resourceKey),
    check("recommendation_findings_confidence", sql`${t.confidence} IN ('high', 'medium', 'low')`),
    check(
      "recommendation_findings_state",
      sql`${t.state} IN ('open', 'accepted', 'dismissed', 'done')`,
    ),
    check(
      "recommendation_findings_dismiss_reason",
      sql`${t.state} <> 'dismissed' OR length(coalesce(${t.stateReason}, '')) > 0`,
    ),
    check(
      "recommendation_findings_done_at",
      sql`(${t.state} = 'done') = (${t.doneAt} IS NOT NULL)`,
    ),
    tenantIsolation(),
  ],
);

/** Per-organization constraints on region-move recommendations (admin setting). */
export const recommendationSettings = pgTable(
  "recommendation_settings",
  {
    tenantId: uuid("tenant_id")
      .primaryKey()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** Continent codes (AF, AS, EU, NA, OC, SA) a workload may move to; null = any. */
    allowedContinents: text("allowed_continents").array(),
    /** ISO 3166-1 alpha-2 countries, or "EU", a workload may move to; null = any. */
    allowedJurisdictions: text("allowed_jurisdictions").array(),
    /** Tag key whose value pins a workload's data residency (a country, "EU" or a continent). */
    residencyTagKey: text("residency_tag_key"),
    updatedAt: updatedAt(),
  },
  () => [tenantIsolation()],
);

// ---------------------------------------------------------------------------------------------
// Alerts, budgets, targets and functional units (migration 0019; docs/methodology.md §19)
// ---------------------------------------------------------------------------------------------

/** A carbon budget for the organization (no tag) or one tag value: kg CO2e per month, quarter or year. */
export const carbonBudgets = pgTable(
  "carbon_budgets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    name: text("name").notNull(),
    tagKey: text("tag_key"),
    tagValue: text("tag_value"),
    /** month | quarter | year (calendar, UTC). */
    period: text("period").notNull(),
    /** location | market */
    basis: text("basis").notNull(),
    budgetCo2eKg: doublePrecision("budget_co2e_kg").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    sameTenantTarget("carbon_budgets", t),
    check("carbon_budgets_period", sql`${t.period} IN ('month', 'quarter', 'year')`),
    check("carbon_budgets_basis", sql`${t.basis} IN ('location', 'market')`),
    check("carbon_budgets_amount", sql`${t.budgetCo2eKg} > 0`),
    check("carbon_budgets_tag", sql`(${t.tagKey} IS NULL) = (${t.tagValue} IS NULL)`),
    tenantIsolation(),
  ],
);

/**
 * An emission spike (one day of one scope above its seasonal baseline) or a budget whose forecast or
 * actual passed it. `dedupe_key` makes detection idempotent: the daily job may run any number of times.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    /** spike | budget */
    kind: text("kind").notNull(),
    /** organization | account | service | tag */
    scopeType: text("scope_type").notNull(),
    /** The account id, the service name, "key=value" of a tag; "" for the organization. */
    scopeKey: text("scope_key").notNull().default(""),
    scopeLabel: text("scope_label").notNull(),
    basis: text("basis").notNull(),
    /** The day of the spike; for a budget, the day the forecast or actual crossed it. */
    day: date("day").notNull(),
    /** Spike: the day's kg; budget: the forecast (forecast_over) or actual (over) of the period. */
    co2eKg: doublePrecision("co2e_kg").notNull(),
    /** Spike: the baseline kg; budget: the budget kg. */
    baselineCo2eKg: doublePrecision("baseline_co2e_kg").notNull(),
    budgetId: uuid("budget_id"),
    /**
     * By kind: spike → SpikeAlertDetails, budget → BudgetAlertDetails (parseAlertDetails). The
     * column's default `{}` fits neither: every writer gives the details of its kind.
     */
    details: jsonb("details")
      .$type<AlertDetails>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** open | acknowledged | muted (recorded while its scope was muted: not delivered). */
    status: text("status").notNull().default("open"),
    dedupeKey: text("dedupe_key").notNull(),
    acknowledgedByUserId: uuid("acknowledged_by_user_id").references(() => users.id, {
      onDelete: "set null",
    }),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("alerts_dedupe_uq").on(t.tenantId, t.dedupeKey),
    sameTenantTarget("alerts", t),
    sameTenantReference(
      "alerts_budget_id_carbon_budgets_id_fk",
      { tenantId: t.tenantId, column: t.budgetId },
      () => carbonBudgets,
    ),
    index("alerts_tenant_day_idx").on(t.tenantId, t.day),
    check("alerts_kind", sql`${t.kind} IN ('spike', 'budget')`),
    check(
      "alerts_scope_type",
      sql`${t.scopeType} IN ('organization', 'account', 'service', 'tag')`,
    ),
    check("alerts_status", sql`${t.status} IN ('open', 'acknowledged', 'muted')`),
    tenantIsolation(),
  ],
);

/** A muted scope: its new alerts are recorded as muted and not delivered, until `until` (null: for good). */
export const alertMutes = pgTable(
  "alert_mutes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    kind: text("kind").notNull(),
    scopeType: text("scope_type").notNull(),
    scopeKey: text("scope_key").notNull().default(""),
    until: timestamp("until", { withTimezone: true }),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, {
      onDelete: "set null",
    }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("alert_mutes_scope_uq").on(t.tenantId, t.kind, t.scopeType, t.scopeKey),
    tenantIsolation(),
  ],
);

/** A signed webhook (Slack-compatible JSON). The secret is AES-256-GCM sealed, never returned after creation. */
export const alertWebhooks = pgTable(
  "alert_webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    name: text("name").notNull(),
    url: text("url").notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    secretKeyId: text("secret_key_id").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [sameTenantTarget("alert_webhooks", t), tenantIsolation()],
);

/** One alert to one channel: its attempts, each attempt's outcome (`log`) and the final status. */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    alertId: uuid("alert_id").notNull(),
    /** email | webhook */
    channel: text("channel").notNull(),
    webhookId: uuid("webhook_id"),
    /** The recipients, or the webhook's URL origin (never its path, which may hold a token). */
    target: text("target").notNull(),
    /** pending | delivered | failed */
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    log: jsonb("log").$type<DeliveryAttempt[]>().notNull().default([]),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("alert_deliveries_alert_idx").on(t.tenantId, t.alertId),
    sameTenantReference(
      "alert_deliveries_alert_id_alerts_id_fk",
      { tenantId: t.tenantId, column: t.alertId },
      () => alerts,
    ),
    // A deleted webhook leaves its deliveries with webhook_id null: migration 0030 declares
    // ON DELETE SET NULL (webhook_id), which Drizzle cannot express (it would null tenant_id too).
    foreignKey({
      name: "alert_deliveries_webhook_id_alert_webhooks_id_fk",
      columns: [t.tenantId, t.webhookId],
      foreignColumns: [alertWebhooks.tenantId, alertWebhooks.id],
    }).onDelete("set null"),
    check("alert_deliveries_channel", sql`${t.channel} IN ('email', 'webhook')`),
    check("alert_deliveries_status", sql`${t.status} IN ('pending', 'delivered', 'failed')`),
    tenantIsolation(),
  ],
);

/** The organization's reduction target, one per basis. */
export const reductionTargets = pgTable(
  "reduction_targets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    basis: text("basis").notNull(),
    baseYear: integer("base_year").notNull(),
    targetYear: integer("target_year").notNull(),
    reductionPercent: doublePrecision("reduction_percent").notNull(),
    /** "sbti-1.5c-linear" when set from the 4.2 %/year preset. */
    preset: text("preset"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("reduction_targets_basis_uq").on(t.tenantId, t.basis),
    check("reduction_targets_basis", sql`${t.basis} IN ('location', 'market')`),
    check("reduction_targets_years", sql`${t.targetYear} > ${t.baseYear}`),
    check(
      "reduction_targets_percent",
      sql`${t.reductionPercent} > 0 AND ${t.reductionPercent} <= 100`,
    ),
    tenantIsolation(),
  ],
);

/** Functional units the organization posts for a workload (a tag value) and period, for SCI. */
export const functionalUnits = pgTable(
  "functional_units",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    tagKey: text("tag_key").notNull(),
    tagValue: text("tag_value").notNull(),
    /** [period_start, period_end) */
    periodStart: date("period_start").notNull(),
    periodEnd: date("period_end").notNull(),
    unitName: text("unit_name").notNull(),
    unitCount: doublePrecision("unit_count").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("functional_units_period_uq").on(
      t.tenantId,
      t.tagKey,
      t.tagValue,
      t.unitName,
      t.periodStart,
      t.periodEnd,
    ),
    check("functional_units_period", sql`${t.periodEnd} > ${t.periodStart}`),
    check("functional_units_count", sql`${t.unitCount} > 0`),
    tenantIsolation(),
  ],
);

/**
 * Hourly grid carbon intensity per grid zone: reference data shared by every tenant (no tenant_id,
 * no RLS). The worker writes it through the owner connection; the app role may only read it
 * (`referenceTables`). One row per zone, hour, boundary and source; which source counts for a zone
 * and hour is decided when it is read. A revised value moves the old one to
 * grid_intensity_superseded, so nothing is replaced silently.
 */
const gridIntensityColumns = () => ({
  zone: text("zone").notNull(),
  hour: timestamp("hour", { withTimezone: true }).notNull(),
  /** "direct" (combustion) or "lifecycle" emission factors (docs/methodology.md §4). */
  boundary: text("boundary").notNull(),
  /** Which source produced the value, e.g. "electricitymaps-api", "neso-carbon-intensity". */
  source: text("source").notNull(),
  /** The source's own version or release of the value (API version, dataset file, model). */
  sourceVersion: text("source_version").notNull(),
  gCo2ePerKwh: doublePrecision("g_co2e_per_kwh").notNull(),
  /** The source marks the value as estimated (not measured generation). */
  estimated: boolean("estimated").notNull().default(false),
  loadId: uuid("load_id").notNull(),
});

export const gridIntensityHourly = pgTable("grid_intensity_hourly", gridIntensityColumns(), (t) => [
  primaryKey({ columns: [t.zone, t.boundary, t.source, t.hour] }),
  check("grid_intensity_hourly_boundary", sql`${t.boundary} IN ('direct', 'lifecycle')`),
  check("grid_intensity_hourly_range", sql`${t.gCo2ePerKwh} >= 0 AND ${t.gCo2ePerKwh} <= 2000`),
]);

/** Previous values of revised grid_intensity_hourly rows, with the load that replaced them. */
export const gridIntensitySuperseded = pgTable(
  "grid_intensity_superseded",
  {
    ...gridIntensityColumns(),
    supersededByLoadId: uuid("superseded_by_load_id").notNull(),
    supersededAt: timestamp("superseded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("grid_intensity_superseded_zone_hour_idx").on(t.zone, t.hour)],
);

/** One load of grid intensity data (a sync of a source or an uploaded dataset file). */
export const gridIntensityLoads = pgTable("grid_intensity_loads", {
  id: uuid("id").primaryKey().defaultRandom(),
  source: text("source").notNull(),
  sourceVersion: text("source_version").notNull(),
  /** What was loaded: file name, or "zone DE 2025-01-01..2025-02-01". */
  label: text("label").notNull(),
  zones: text("zones").array().notNull(),
  firstHour: timestamp("first_hour", { withTimezone: true }),
  lastHour: timestamp("last_hour", { withTimezone: true }),
  rowsWritten: integer("rows_written").notNull().default(0),
  rowsRevised: integer("rows_revised").notNull().default(0),
  /** Re-estimation queued for the affected windows, before/after totals once done. */
  details: jsonb("details").$type<GridIntensityLoadDetails>().notNull().default({}),
  loadedAt: timestamp("loaded_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Reference tables (no tenant data) the app role may read but never write. */
/**
 * Marginal operating emission rates per grid region and hour (WattTime `co2_moer`, CO2 only), shared
 * by all tenants. Used only for time-shifting advice, never for the inventory (docs/methodology.md
 * §18.1): no estimate reads this table. A refresh overwrites an hour (advice, not ledger data).
 */
export const gridMarginalHourly = pgTable(
  "grid_marginal_hourly",
  {
    /** The source's own region id (WattTime: "CAISO_NORTH", "PJM_DC"), not an Electricity Maps zone. */
    region: text("region").notNull(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    /** "co2_moer". */
    signal: text("signal").notNull(),
    source: text("source").notNull(),
    /** The source's model version (WattTime `meta.model.date`). */
    modelVersion: text("model_version").notNull(),
    gCo2PerKwh: doublePrecision("g_co2_per_kwh").notNull(),
    /** How many of the source's points (5-minute for WattTime) the hour's mean is over. */
    samples: integer("samples").notNull(),
    loadedAt: timestamp("loaded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.signal, t.hour] }),
    check("grid_marginal_hourly_range", sql`${t.gCo2PerKwh} >= 0 AND ${t.gCo2PerKwh} <= 2000`),
  ],
);

/**
 * Compute Engine's public on-demand list prices from the Cloud Billing Catalog API (core and RAM per
 * machine family, standard PD), per SKU, single region, currency and price version
 * (`effective_time`), shared by all tenants: the recommendations' cost deltas use them where a
 * tenant's own bill has no unit price (docs/methodology.md §20.1). Written by the sync of a GCP
 * account (at most daily); a version once stored is kept, so a finding's dated price stays
 * reproducible.
 */
export const gcpCatalogPrices = pgTable(
  "gcp_catalog_prices",
  {
    skuId: text("sku_id").notNull(),
    region: text("region").notNull(),
    currencyCode: text("currency_code").notNull(),
    effectiveTime: timestamp("effective_time", { withTimezone: true }).notNull(),
    description: text("description").notNull(),
    /** "core" (per vCPU-hour), "ram" (per GiB-hour) or "pd-standard" (per GiB-month). */
    component: text("component").notNull(),
    /** Lower-case machine family ("n2", "c4a") of core and RAM SKUs. */
    machineFamily: text("machine_family"),
    /** Google's pricingExpression.usageUnit: "h", "GiBy.h", "GiBy.mo". */
    usageUnit: text("usage_unit").notNull(),
    unitPrice: doublePrecision("unit_price").notNull(),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.skuId, t.region, t.currencyCode, t.effectiveTime] }),
    check("gcp_catalog_prices_unit_price_range", sql`${t.unitPrice} >= 0`),
    check("gcp_catalog_prices_component", sql`${t.component} IN ('core', 'ram', 'pd-standard')`),
    index("gcp_catalog_prices_lookup_idx").on(
      t.currencyCode,
      t.component,
      t.machineFamily,
      t.region,
      t.effectiveTime,
    ),
  ],
);

/**
 * A dashboard view a user saved: the dashboard's URL query (filters, range, groupings, drill level),
 * private to that user in that organization (the store always filters by user_id).
 */
export const savedViews = pgTable(
  "saved_views",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The URL query string without "?", e.g. "provider=aws&table=account". */
    query: text("query").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("saved_views_user_name_uq").on(t.tenantId, t.userId, t.name),
    check("saved_views_name", sql`char_length(${t.name}) BETWEEN 1 AND 80`),
    check("saved_views_query", sql`char_length(${t.query}) <= 4000`),
    tenantIsolation(),
  ],
);

/**
 * Measured CPU utilization of one billed resource (a VM instance) for one UTC hour, as a fraction 0..1: the provider's hourly average of its metric
 * (CloudWatch CPUUtilization, Azure Monitor "Percentage CPU", Cloud Monitoring
 * instance/cpu/utilization). Written by the sync-utilization job, upserted by key; the estimate
 * reads it through usage_hourly.cpu_utilization (stores/utilization.ts, docs/methodology.md §2.1.1).
 */
export const resourceUtilizationHourly = pgTable(
  "resource_utilization_hourly",
  {
    tenantId: tenantId(),
    cloudAccountId: uuid("cloud_account_id").notNull(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    /** The provider's id of the resource: EC2 instance id, ARM VM id (lower-case), GCE instance id. */
    resourceId: text("resource_id").notNull(),
    /** Canonical region and instance type, as the usage rows of the same VM carry them. */
    region: text("region").notNull(),
    instanceType: text("instance_type").notNull().default(""),
    cpuUtilization: real("cpu_utilization").notNull(),
    /** aws-cloudwatch, azure-monitor or gcp-monitoring. */
    source: text("source").notNull(),
    utilizationRunId: uuid("utilization_run_id"),
    loadedAt: timestamp("loaded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.cloudAccountId, t.hour, t.resourceId] }),
    sameTenantReference(
      "resource_utilization_hourly_cloud_account_id_cloud_accounts_id_",
      { tenantId: t.tenantId, column: t.cloudAccountId },
      () => cloudAccounts,
    ),
    check(
      "resource_utilization_cpu_range",
      sql`${t.cpuUtilization} >= 0 AND ${t.cpuUtilization} <= 1`,
    ),
    tenantIsolation(),
  ],
);

/**
 * One run of the sync-utilization job for a connection and window: what it read, stored and applied,
 * or why it failed (estimates then keep the default utilization, and the page says so).
 */
export const utilizationRuns = pgTable(
  "utilization_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    cloudAccountId: uuid("cloud_account_id").notNull(),
    status: syncRunStatus("status").notNull().default("running"),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    windowEnd: timestamp("window_end", { withTimezone: true }).notNull(),
    source: text("source").notNull(),
    resources: integer("resources").notNull().default(0),
    hoursStored: integer("hours_stored").notNull().default(0),
    /** Usage rows whose cpu_utilization was set from the stored hours. */
    usageRowsMeasured: integer("usage_rows_measured").notNull().default(0),
    error: text("error"),
    /** API calls by action and skipped resources by reason; never credentials. */
    details: jsonb("details").$type<UtilizationRunDetails>(),
    createdAt: createdAt(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("utilization_runs_account_created_idx").on(t.tenantId, t.cloudAccountId, t.createdAt),
    sameTenantReference(
      "utilization_runs_cloud_account_id_cloud_accounts_id_fk",
      { tenantId: t.tenantId, column: t.cloudAccountId },
      () => cloudAccounts,
    ),
    tenantIsolation(),
  ],
);

/**
 * Cost centres or customers an organization allocates its emissions to (docs/methodology.md
 * section 22): each gets its own view, API figures and report.
 */
export const costCentres = pgTable(
  "cost_centres",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("cost_centres_name_uq").on(t.tenantId, t.name),
    sameTenantTarget("cost_centres", t),
    tenantIsolation(),
  ],
);

/**
 * Allocation rules, read in `position` order: the first whose filter (tag key and value, service,
 * cloud account; all given must match, none = every row left) matches an emissions row allocates
 * it to its targets, by fixed weights or by the targets' share of the fixed rules' allocation.
 */
export const allocationRules = pgTable(
  "allocation_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId(),
    position: integer("position").notNull(),
    tagKey: text("tag_key"),
    tagValue: text("tag_value"),
    service: text("service"),
    cloudAccountId: uuid("cloud_account_id"),
    split: text("split").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("allocation_rules_position_uq").on(t.tenantId, t.position),
    check("allocation_rules_split", sql`${t.split} IN ('fixed', 'proportional')`),
    check("allocation_rules_tag", sql`(${t.tagKey} IS NULL) = (${t.tagValue} IS NULL)`),
    sameTenantTarget("allocation_rules", t),
    sameTenantReference(
      "allocation_rules_cloud_account_id_cloud_accounts_id_fk",
      { tenantId: t.tenantId, column: t.cloudAccountId },
      () => cloudAccounts,
    ),
    tenantIsolation(),
  ],
);

/** The cost centres a rule allocates to, with their weights (fixed split). */
export const allocationRuleTargets = pgTable(
  "allocation_rule_targets",
  {
    tenantId: tenantId(),
    ruleId: uuid("rule_id").notNull(),
    costCentreId: uuid("cost_centre_id").notNull(),
    weight: doublePrecision("weight").notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.ruleId, t.costCentreId] }),
    check("allocation_rule_targets_weight", sql`${t.weight} >= 0 AND ${t.weight} < 'Infinity'`),
    sameTenantReference(
      "allocation_rule_targets_rule_id_allocation_rules_id_fk",
      { tenantId: t.tenantId, column: t.ruleId },
      () => allocationRules,
    ),
    sameTenantReference(
      "allocation_rule_targets_cost_centre_id_cost_centres_id_fk",
      { tenantId: t.tenantId, column: t.costCentreId },
      () => costCentres,
    ),
    tenantIsolation(),
  ],
);

/**
 * The version of each organization's emission read model (what the dashboard and the emissions API
 * read): one row per statement that changed one of its inputs, written by the statement trigger of
 * migration 0029 on every table those reads use; the version is the sum of `changes`. Inserts only,
 * so concurrent writers of one organization never wait for each other, and a row becomes visible
 * when its writer commits, so a cached read keyed by the version never outlives the data it read.
 * compactTenantDataChanges folds the rows into one without changing the sum.
 */
export const tenantDataChanges = pgTable(
  "tenant_data_changes",
  {
    tenantId: tenantId(),
    id: bigserial("id", { mode: "number" }).notNull(),
    changes: bigint("changes", { mode: "number" }).notNull().default(1),
    changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), tenantIsolation()],
);

/**
 * Writes made without an organization (owner seeds and maintenance) counted once for all (migration
 * 0029): part of every organization's data version (tenantDataVersion). One row.
 */
export const dataChangesGlobal = pgTable(
  "data_changes_global",
  {
    id: integer("id").primaryKey().default(1),
    changes: bigint("changes", { mode: "number" }).notNull().default(0),
  },
  (t) => [check("data_changes_global_one_row", sql`${t.id} = 1`)],
);

export const referenceTables = {
  dataChangesGlobal,
  gridIntensityHourly,
  gridIntensitySuperseded,
  gridIntensityLoads,
  gridMarginalHourly,
  gcpCatalogPrices,
} as const;

/** Tables the sign-in role may use (Better Auth's models). */
export const authTables = {
  tenants,
  users,
  sessions,
  authAccounts,
  verifications,
  rateLimits,
  memberships,
  invitations,
} as const;
