import { z } from "zod";

/**
 * sync_runs.details of a file import (kind 'import'): written by the import jobs of @canopy/jobs,
 * read by the web app (imports API and pages), the CLI (`canopy import`, `canopy imports`) and
 * reports (coverage). Readers outside the writing package parse it with `importSummarySchema`
 * (`parseImportSummary`).
 */

/** Lines of one reason: how many, their cost, and the first few (line number and why). */
export const lineTallySchema = z.object({
  lines: z.number(),
  costAmount: z.number(),
  first: z.array(z.object({ line: z.number(), detail: z.string() })),
});
export type LineTally = z.infer<typeof lineTallySchema>;

export const usageFiguresSchema = z.object({
  rows: z.number(),
  costAmount: z.number(),
  services: z.array(z.string()),
  sourceKinds: z.array(z.string()),
});
export type UsageFigures = z.infer<typeof usageFiguresSchema>;

/** What a write replaced (or would replace) for one account over the UTC days [start, end). */
export const accountReplacementSchema = z.object({
  cloudAccountId: z.string(),
  provider: z.string(),
  providerAccountId: z.string(),
  start: z.string(),
  end: z.string(),
  stored: usageFiguresSchema.extend({ kwhFacility: z.number(), co2eLocationKg: z.number() }),
  arriving: usageFiguresSchema,
  /** Why this replacement needs a confirmation; empty when it re-supplies what it replaces. */
  reasons: z.array(z.string()),
});
export type AccountReplacement = z.infer<typeof accountReplacementSchema>;

/** The files' data lost nothing it did not re-supply, or what it would remove, per account and window. */
export const replacementPreviewSchema = z.object({
  needsConfirmation: z.boolean(),
  accounts: z.array(accountReplacementSchema),
});
export type ReplacementPreview = z.infer<typeof replacementPreviewSchema>;

export const accountWindowSchema = z.object({
  cloudAccountId: z.string(),
  start: z.string(),
  end: z.string(),
});

/** What an import reports while it runs and when it ends. */
export const importSummarySchema = z.object({
  fileName: z.string(),
  fileKey: z.string(),
  bytes: z.number(),
  format: z.string().optional(),
  /** Data lines read (the header is not counted). */
  linesRead: z.number(),
  /** Lines that produced usage. */
  linesImported: z.number(),
  /** Usage rows written to usage_hourly after hourly aggregation. */
  usageRowsWritten: z.number(),
  /** Lines left out, by reason: unreadable lines and lines in error (nothing of them is stored). */
  skipped: z.record(z.string(), lineTallySchema),
  /**
   * Lines that carry no energy (tax, credits, fees, marketplace…), by reason: stored with their cost,
   * service, region and account so cost totals tie out to the invoice, estimated at zero energy.
   */
  costOnly: z.record(z.string(), lineTallySchema).optional(),
  /** Lines that repeat an earlier line of the file (same line id, or identical bytes): counted once, each with a warning. */
  duplicateLines: z.number().optional(),
  /** Lines read with a warning (e.g. an AWS account id missing its leading zeros). */
  warnings: lineTallySchema.omit({ costAmount: true }).optional(),
  /** What produced the rows (usage_hourly.source_kind): the file's format. */
  sourceKind: z.string().optional(),
  /** The account windows this import's usage counts in: what a restore withdraws. */
  coverage: z.array(accountWindowSchema).optional(),
  /** Days it brought usage for that a source of higher precedence holds (kept, not counted). */
  outranked: z.array(accountWindowSchema.extend({ heldBy: z.array(z.string()) })).optional(),
  /** What it replaced, per account and window. */
  replaced: z.array(accountReplacementSchema).optional(),
  /** While awaiting confirmation: what it would replace and why it asks. */
  preview: replacementPreviewSchema.optional(),
  /** When the user restored the previous version (undoing this import). */
  restoredAt: z.string().optional(),
  span: z.object({ start: z.string(), end: z.string() }).optional(),
  /** Cloud accounts the file's usage belongs to (created on first import). */
  cloudAccountIds: z.array(z.string()).optional(),
  costTotal: z.number(),
  currency: z.string().optional(),
  progress: z.object({ linesRead: z.number(), percent: z.number() }),
  /** Seconds from the first line read to the usage stored (read, classify, COPY, aggregate, merge). */
  timings: z.object({ seconds: z.number() }).optional(),
  /** Only this cloud account may be imported (the wizard's import step). */
  expectedCloudAccountId: z.string().optional(),
  /** Accounts found in the file besides the expected one, when the import was refused for them. */
  otherAccounts: z
    .array(z.object({ provider: z.string(), providerAccountId: z.string() }))
    .optional(),
  /** The user confirmed replacing stored data this import does not re-supply. */
  replaceConfirmed: z.boolean().optional(),
  /**
   * When the retention (CANOPY_IMPORT_FILE_RETENTION_DAYS) deleted the uploaded file: the usage it
   * imported is kept, but the file can no longer be imported again (confirm) and no longer counts
   * against the organization's storage quota.
   */
  fileDeletedAt: z.string().optional(),
  /** When the retention of previous versions deleted the rows this import replaced (restore refused). */
  previousVersionPrunedAt: z.string().optional(),
  /** File-level failure, when the whole file was refused. */
  error: z.string().optional(),
});
export type ImportSummary = z.infer<typeof importSummarySchema>;
