import { createCurClassifier, curColumns, curRequiredFields } from "./aws-cur";
import { azureColumns, azureRequiredFields, createAzureClassifier } from "./azure-cost-details";
import { missingColumns, resolveColumns, type ColumnAliases } from "./columns";
import { createFocusClassifier, focusColumns, focusRequiredFields } from "./focus";
import { createGcpClassifier, gcpColumns, gcpRequiredFields } from "./gcp-billing-export";
import {
  billingFormats,
  type BillingFormat,
  type ClassifyOptions,
  type RowClassifier,
} from "./types";
import { createUsageRecordClassifier, usageRequiredColumns } from "./usage-file";

export type FormatDetection =
  | { ok: true; format: BillingFormat }
  | {
      ok: false;
      /** Per format, the required columns the header lacks. */
      missing: Record<BillingFormat, string[]>;
      message: string;
    };

function missingFor<Field extends string>(
  header: readonly string[],
  aliases: ColumnAliases<Field>,
  required: readonly Field[],
) {
  return missingColumns(resolveColumns(header, aliases), aliases, required);
}

/** Which columns each format still lacks in this header. */
export function missingColumnsByFormat(header: readonly string[]): Record<BillingFormat, string[]> {
  const cur = missingFor(header, curColumns, curRequiredFields);
  return {
    cur,
    cur2: cur.map((name) => snakeCurName(name)),
    azure: missingFor(header, azureColumns, azureRequiredFields),
    gcp: missingFor(header, gcpColumns, gcpRequiredFields),
    focus: missingFor(header, focusColumns, focusRequiredFields),
    usage: usageRequiredColumns.filter((column) => !header.includes(column)),
  };
}

function snakeCurName(legacy: string): string {
  const alias = Object.values(curColumns).find((aliases) => aliases[0] === legacy);
  return alias?.[1] ?? legacy;
}

/**
 * Decide the billing format from a header. CUR 2.0 is told from legacy CUR by its map columns
 * (`product`, `resource_tags`) or its `bill_payer_account_name`; legacy Athena/Parquet snake_case is `cur`.
 * FOCUS is checked before CUR because FOCUS exports from AWS may also carry `x_` copies of CUR fields.
 */
export function detectFormat(headerColumns: readonly string[]): FormatDetection {
  const header = headerColumns.map((column) => column.replace(/^\uFEFF/, "").trim());
  const missing = missingColumnsByFormat(header);
  if (missing.focus.length === 0) return { ok: true, format: "focus" };
  if (missing.cur.length === 0) {
    const lower = new Set(header.map((column) => column.toLowerCase()));
    const isCur2 =
      lower.has("product") || lower.has("resource_tags") || lower.has("bill_payer_account_name");
    return { ok: true, format: isCur2 ? "cur2" : "cur" };
  }
  if (missing.azure.length === 0) return { ok: true, format: "azure" };
  if (missing.gcp.length === 0) return { ok: true, format: "gcp" };
  if (missing.usage.length === 0) return { ok: true, format: "usage" };
  const parts = billingFormats.map((format) => `${format}: missing ${missing[format].join(", ")}`);
  return { ok: false, missing, message: `unrecognized billing file header (${parts.join("; ")})` };
}

/** The classifier for a format, bound to this header. Throws when the header lacks required columns. */
export function createClassifier(
  format: BillingFormat,
  header: readonly string[],
  options: ClassifyOptions = {},
): RowClassifier {
  switch (format) {
    case "cur":
    case "cur2":
      return createCurClassifier(header, options);
    case "azure":
      return createAzureClassifier(header, options);
    case "gcp":
      return createGcpClassifier(header, options);
    case "focus":
      return createFocusClassifier(header, options);
    case "usage":
      return createUsageRecordClassifier(header, options);
  }
}
