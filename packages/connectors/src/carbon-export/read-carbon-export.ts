import type { ReportedCarbon } from "../live/types";

/**
 * Readers for the providers' carbon export files (methodology.md section 13.2), so reconciliation
 * works without a live connection. Pure: text in, provider-reported figures (kg CO2e) out.
 *
 * - AWS: Data Exports table CARBON_EMISSIONS as CSV (columns: billing-formats.md §4.6), values in
 *   metric tonnes (MTCO2e, converted × 1000) or kgCO2e, per the row's *_unit column.
 * - GCP: the Carbon Footprint BigQuery table exported as CSV. BigQuery cannot write RECORD columns
 *   to CSV, so the export is a flattened query; both `carbon_footprint_kgCO2e.scope1` (dotted) and
 *   `carbon_footprint_kgCO2e_scope1` (underscored) headers are read. Values are kg CO2e (the column
 *   names say so, and the header is checked for it).
 * - Azure: not read. Neither a documented column layout of the Carbon Optimization / Emissions Impact
 *   CSV export nor a real sample was available; a file that looks like one is refused by name.
 */

export type CarbonExportProvider = "aws" | "gcp";

export class CarbonExportError extends Error {
  constructor(
    message: string,
    /** Each refused row: its 1-based physical line number and why. */
    readonly rows: { lineNumber: number; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Sources written for imported figures (the live fetch uses the names without "-file"). */
export const carbonExportSources = {
  aws: "aws-carbon-emissions-export-file",
  gcp: "gcp-carbon-footprint-export-file",
} as const;

type Row = { lineNumber: number; cells: string[] };

/** RFC 4180 CSV (quotes, doubled quotes, newlines in quotes, CRLF, BOM) with each row's first line number. */
export function parseCsvRows(text: string): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === "")) rows.push({ lineNumber: rowLine, cells });
    cells = [];
    cell = "";
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cell += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (quoted) throw new CarbonExportError(`Line ${rowLine}: a quoted field is not closed.`);
  if (cell !== "" || cells.length > 0) endRow();
  return rows;
}

/** Header name as looked up: lower case, dots as underscores (BigQuery flattened names). */
const key = (name: string) => name.trim().toLowerCase().replace(/\./g, "_");

const awsRequired = [
  "usage_period_start",
  "usage_account_id",
  "product_code",
  "model_version",
  "total_lbm_emissions_value",
  "total_lbm_emissions_unit",
] as const;
const gcpRequired = [
  "usage_month",
  "carbon_model_version",
  "carbon_footprint_kgco2e_scope1",
  "carbon_footprint_kgco2e_scope2_location_based",
  "carbon_footprint_kgco2e_scope3",
] as const;

/** Which provider's export a header is (null: neither). */
export function detectCarbonExport(header: readonly string[]): CarbonExportProvider | null {
  const names = new Set(header.map(key));
  if (awsRequired.every((c) => names.has(c))) return "aws";
  if (gcpRequired.every((c) => names.has(c))) return "gcp";
  return null;
}

/** `YYYY-MM-01` from a month start given as YYYY-MM-DD[...] or YYYY-MM; null when not a month start. */
function monthStart(value: string): string | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])(?:-(\d{2}))?/.exec(value.trim());
  if (!m || (m[3] !== undefined && m[3] !== "01")) return null;
  return `${m[1]}-${m[2]}-01`;
}

/** kg per unit of an AWS *_unit cell (MTCO2e = metric tonnes). */
function kgPerUnit(unit: string): number | null {
  const u = unit.trim().toLowerCase();
  if (u === "mtco2e" || u === "tco2e") return 1000;
  if (u === "kgco2e") return 1;
  return null;
}

export type CarbonExportResult = {
  provider: CarbonExportProvider;
  figures: ReportedCarbon[];
  /** Data rows read (one figure per scope a row gives, rows of the same key summed). */
  rowsRead: number;
};

/**
 * Reads a carbon export file. `provider` (optional) must match the detected format. Any malformed
 * row refuses the whole file (nothing half-imported), naming the first rows and their line numbers.
 */
export function readCarbonExport(
  text: string,
  options: { provider?: "aws" | "azure" | "gcp" } = {},
): CarbonExportResult {
  const [headerRow, ...data] = parseCsvRows(text);
  if (!headerRow) throw new CarbonExportError("The file is empty: no header row.");
  const header = headerRow.cells.map(key);
  const detected = detectCarbonExport(headerRow.cells);
  if (options.provider === "azure" || (!detected && header.some((h) => /subscription/.test(h))))
    throw new CarbonExportError(
      "Azure carbon export files are not read yet: Canopy has no documented column layout or sample of the Carbon Optimization / Emissions Impact export. Connect the subscription instead (Carbon Optimization Reader role) to fetch Azure's figures.",
    );
  const missing = (required: readonly string[]) => required.filter((c) => !header.includes(c));
  if (
    !detected &&
    header.some((h) => h.startsWith("total_lbm_emissions") || h === "usage_account_id")
  )
    throw new CarbonExportError(
      `This looks like an AWS CARBON_EMISSIONS export but lacks the column(s) ${missing(awsRequired).join(", ")} (export every column of the table, model_version included).`,
    );
  if (!detected && header.some((h) => h.startsWith("carbon_footprint")))
    throw new CarbonExportError(
      `This looks like a GCP Carbon Footprint export but lacks the column(s) ${missing(gcpRequired).join(", ")} (export the table's carbon_footprint_kgCO2e fields and carbon_model_version).`,
    );
  if (!detected)
    throw new CarbonExportError(
      `Not a carbon export Canopy reads. AWS CARBON_EMISSIONS needs the columns ${awsRequired.join(", ")}; GCP Carbon Footprint needs ${gcpRequired.map((c) => c.replace("kgco2e_", "kgCO2e.").replace("scope2_", "scope2.")).join(", ")}.`,
    );
  if (options.provider && options.provider !== detected)
    throw new CarbonExportError(
      `--provider ${options.provider} was given, but the file is a ${detected === "aws" ? "AWS CARBON_EMISSIONS" : "GCP Carbon Footprint"} export.`,
    );
  const index = new Map(header.map((h, i) => [h, i]));
  const errors: { lineNumber: number; message: string }[] = [];
  const sums = new Map<string, ReportedCarbon>();
  const add = (figure: ReportedCarbon) => {
    const k = JSON.stringify([
      figure.providerAccountId,
      figure.month,
      figure.region,
      figure.service,
      figure.scope,
      figure.modelVersion,
    ]);
    const seen = sums.get(k);
    if (seen) seen.co2eKg += figure.co2eKg;
    else sums.set(k, { ...figure });
  };
  for (const row of data) {
    const cell = (name: string) => row.cells[index.get(name) ?? -1]?.trim() ?? "";
    const refuse = (message: string) => errors.push({ lineNumber: row.lineNumber, message });
    if (row.cells.length !== header.length) {
      refuse(`${row.cells.length} fields, the header has ${header.length}`);
      continue;
    }
    const number = (name: string): number | null | undefined => {
      const raw = cell(name);
      if (raw === "" || raw.toUpperCase() === "NULL") return null;
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0) {
        refuse(`${name} is not a non-negative number: "${raw}"`);
        return undefined;
      }
      return value;
    };
    if (detected === "aws") {
      const month = monthStart(cell("usage_period_start"));
      if (!month)
        refuse(`usage_period_start is not a month start: "${cell("usage_period_start")}"`);
      const account = cell("usage_account_id");
      if (!account) refuse("usage_account_id is empty");
      const before = errors.length;
      const values = (["lbm", "mbm"] as const).map((m) => {
        const value = number(`total_${m}_emissions_value`);
        if (value === null || value === undefined) return null;
        const unit = cell(`total_${m}_emissions_unit`);
        const factor = kgPerUnit(unit);
        if (factor === null) {
          refuse(`total_${m}_emissions_unit must be MTCO2e or kgCO2e, not "${unit}"`);
          return null;
        }
        return value * factor;
      });
      if (errors.length > before || !month || !account) continue;
      const base = {
        provider: "aws" as const,
        providerAccountId: account,
        month,
        service: cell("product_code"),
        // As the live path: a global service has no region_code ("Global" location).
        region: cell("region_code") || "global",
        source: carbonExportSources.aws,
        modelVersion: cell("model_version"),
      };
      if (values[0] !== null) add({ ...base, scope: "total", co2eKg: values[0]! });
      if (values[1] !== null) add({ ...base, scope: "total-market", co2eKg: values[1]! });
    } else {
      const month = monthStart(cell("usage_month"));
      if (!month) refuse(`usage_month is not a month start: "${cell("usage_month")}"`);
      // project.id is NULL for deleted projects; the number, then the billing account, stand in.
      const account = cell("project_id") || cell("project_number") || cell("billing_account_id");
      if (!account) refuse("no project_id, project_number or billing_account_id");
      const before = errors.length;
      const scopes = (
        [
          ["carbon_footprint_kgco2e_scope1", "scope1"],
          ["carbon_footprint_kgco2e_scope2_location_based", "scope2-location"],
          ["carbon_footprint_kgco2e_scope2_market_based", "scope2-market"],
          ["carbon_footprint_kgco2e_scope3", "scope3"],
        ] as const
      ).map(([column, scope]) => ({ scope, kg: index.has(column) ? number(column) : null }));
      if (errors.length > before || !month || !account) continue;
      const base = {
        provider: "gcp" as const,
        providerAccountId: account,
        month,
        // As the live path: the service's description (Canopy's GCP service names) and the region.
        service: cell("service_description") || cell("service_id"),
        region: cell("location_region") || cell("location_location"),
        source: carbonExportSources.gcp,
        modelVersion: cell("carbon_model_version"),
      };
      for (const { scope, kg } of scopes)
        if (kg !== null && kg !== undefined) add({ ...base, scope, co2eKg: kg });
    }
  }
  if (errors.length > 0) {
    const shown = errors
      .slice(0, 10)
      .map((e) => `line ${e.lineNumber}: ${e.message}`)
      .join("; ");
    throw new CarbonExportError(
      `${errors.length} malformed row(s), nothing imported: ${shown}${errors.length > 10 ? "; …" : ""}`,
      errors,
    );
  }
  if (data.length === 0) throw new CarbonExportError("The file has a header but no data rows.");
  return { provider: detected, figures: [...sums.values()], rowsRead: data.length };
}
