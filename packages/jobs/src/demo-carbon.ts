import {
  hasProviderFigures,
  monthlyUsageAggregates,
  withTenantClient,
  type Connection,
} from "@canopy/db";
import { createEstimator, type UsageRecord } from "@canopy/methodology";
import { importCarbonExport, type CarbonImportSummary } from "./import-carbon";

/**
 * The demo organization's provider-reported carbon figures, made the way a customer without a live
 * connection gets them: an AWS Data Exports `CARBON_EMISSIONS` CSV and a GCP Carbon Footprint CSV,
 * written from the demo's own stored usage and imported through `importCarbonExport` (the one path of
 * `canopy import-carbon` and the /reconciliation upload). Nothing is written to the figures table
 * directly, so the demo exercises the importer and its checks.
 *
 * How a figure is made (docs/methodology.md §13.3):
 * 1. The demo's usage per account × month × service × region and usage shape (SUM of quantity) goes
 *    through Canopy's estimator as one record (the method is linear in quantity; annual grid factors).
 * 2. Each provider × month × service × region draws u ∈ [-1, 1] from a hash of those keys (the same
 *    every run), and the provider's figure is Canopy's on the provider's boundary times a factor:
 *    - AWS (model v3.0.0, Scope 1 + 2 + 3): LBM total = (location + embodied) × (1.06 + 0.08u),
 *      MBM total = (market + embodied) × (0.92 + 0.08u), in MTCO2e;
 *    - GCP: Scope 1 = location × 0.004, Scope 2 LBM = location × (0.97 + 0.06u),
 *      Scope 2 MBM = market × (0.90 + 0.08u), Scope 3 = embodied × (1.5 + 0.2u), in kg.
 *    The factors stand for the documented kinds of difference (providers' own power and allocation
 *    models, their contracts for market-based, a Scope 3 that covers buildings and networks), not
 *    for any measured gap: demo figures are synthetic and say so in their source file name.
 * 3. Only whole months whose figures would be out: AWS from the 21st of the next month, GCP from the
 *    15th (§13 lag table). Azure has no carbon export file Canopy reads, so the demo has none.
 */

type Aggregate = {
  month: string;
  provider: "aws" | "gcp";
  account: string;
  record: UsageRecord;
};

type ProviderRow = {
  month: string;
  account: string;
  service: string;
  region: string;
  locationKg: number;
  marketKg: number;
  embodiedKg: number;
};

export const DEMO_CARBON_FILES = {
  aws: "demo-aws-carbon-emissions.csv",
  gcp: "demo-gcp-carbon-footprint.csv",
} as const;

/** u ∈ [-1, 1] from the keys (FNV-1a), the same on every run. */
export function perturbationOf(...keys: string[]): number {
  let hash = 0x811c9dc5;
  for (const char of keys.join("|")) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash / 0xffffffff) * 2 - 1;
}

/** Whether a month's provider figures are out at `now` (published on `day` of the next month). */
function published(month: string, now: Date, day: number): boolean {
  const [year, monthNumber] = month.split("-").map(Number) as [number, number];
  return now.getTime() >= Date.UTC(year, monthNumber, day);
}

async function demoAggregates(app: Connection, tenantId: string): Promise<Aggregate[]> {
  const rows = await withTenantClient(app, tenantId, (client) =>
    monthlyUsageAggregates<UsageRecord["kind"], UsageRecord["unit"]>(client),
  );
  // A month the usage starts in the middle of is not a whole month of figures.
  const firstHour = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.provider}|${r.account}`;
    firstHour.set(key, Math.min(firstHour.get(key) ?? Infinity, r.first_hour.getTime()));
  }
  return rows
    .filter(
      (r) => Date.parse(`${r.month}T00:00:00Z`) >= firstHour.get(`${r.provider}|${r.account}`)!,
    )
    .map((r) => ({
      month: r.month,
      provider: r.provider,
      account: r.account,
      record: {
        provider: r.provider,
        accountId: r.account,
        periodStart: `${r.month}T00:00:00Z`,
        periodHours: 1,
        service: r.service,
        region: r.region,
        kind: r.kind,
        unit: r.unit,
        quantity: r.quantity,
        ...(r.usage_type ? { usageType: r.usage_type } : {}),
        ...(r.instance_type ? { instanceType: r.instance_type } : {}),
        ...(r.vcpus !== null ? { vcpus: r.vcpus } : {}),
        ...(r.memory_gb !== null ? { memoryGb: r.memory_gb } : {}),
        ...(r.gpu_model ? { gpuModel: r.gpu_model } : {}),
        ...(r.gpu_count !== null ? { gpuCount: r.gpu_count } : {}),
        ...(r.storage_class ? { storageClass: r.storage_class } : {}),
      },
    }));
}

/** Canopy's estimate of the aggregates, per provider account × month × service × region. */
function estimateRows(aggregates: Aggregate[]): Map<"aws" | "gcp", ProviderRow[]> {
  const estimator = createEstimator();
  const rows = new Map<string, ProviderRow & { provider: "aws" | "gcp" }>();
  for (const a of aggregates) {
    const estimate = estimator.estimate(a.record);
    const key = [a.provider, a.account, a.month, a.record.service, a.record.region].join("|");
    const row = rows.get(key) ?? {
      provider: a.provider,
      month: a.month,
      account: a.account,
      service: a.record.service,
      region: a.record.region,
      locationKg: 0,
      marketKg: 0,
      embodiedKg: 0,
    };
    row.locationKg += estimate.co2eLocationKg;
    row.marketKg += estimate.co2eMarketKg;
    row.embodiedKg += estimate.embodiedKg;
    rows.set(key, row);
  }
  const byProvider = new Map<"aws" | "gcp", ProviderRow[]>([
    ["aws", []],
    ["gcp", []],
  ]);
  for (const row of [...rows.values()].sort((x, y) =>
    [x.month, x.service, x.region].join("|") < [y.month, y.service, y.region].join("|") ? -1 : 1,
  ))
    byProvider.get(row.provider)!.push(row);
  return byProvider;
}

const csvCell = (value: string) =>
  /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
const csvLine = (cells: (string | number)[]) => cells.map((c) => csvCell(String(c))).join(",");
const nextMonth = (month: string, day: number) => {
  const [year, monthNumber] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, monthNumber, day)).toISOString();
};

/** The AWS Data Exports CARBON_EMISSIONS table as CSV (billing-formats.md §4.6), MTCO2e. */
export function awsCarbonEmissionsCsv(rows: ProviderRow[], now: Date): string {
  const lines = [
    "usage_period_start,usage_period_end,payer_account_id,usage_account_id,region_code,location,product_code,total_lbm_emissions_value,total_lbm_emissions_unit,total_mbm_emissions_value,total_mbm_emissions_unit,model_version,last_refresh_timestamp",
  ];
  for (const r of rows) {
    if (!published(r.month, now, 21)) continue;
    const u = perturbationOf("aws", r.month, r.service, r.region);
    const lbmKg = (r.locationKg + r.embodiedKg) * (1.06 + 0.08 * u);
    const mbmKg = (r.marketKg + r.embodiedKg) * (0.92 + 0.08 * u);
    lines.push(
      csvLine([
        `${r.month}T00:00:00Z`,
        nextMonth(r.month, 1).replace(".000", ""),
        r.account,
        r.account,
        r.region,
        "",
        r.service,
        (lbmKg / 1000).toFixed(6),
        "MTCO2e",
        (mbmKg / 1000).toFixed(6),
        "MTCO2e",
        "v3.0.0",
        nextMonth(r.month, 21).replace(".000", ""),
      ]),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The GCP Carbon Footprint table flattened as BigQuery exports it to CSV, kg CO2e. */
export function gcpCarbonFootprintCsv(rows: ProviderRow[], now: Date): string {
  const lines = [
    "usage_month,billing_account_id,project.id,project.number,service.id,service.description,location.location,location.region,carbon_model_version,carbon_footprint_kgCO2e.scope1,carbon_footprint_kgCO2e.scope2.location_based,carbon_footprint_kgCO2e.scope2.market_based,carbon_footprint_kgCO2e.scope3,carbon_footprint_total_kgCO2e.location_based,carbon_footprint_total_kgCO2e.market_based,carbon_footprint_total_kgCO2e.after_offsets",
  ];
  for (const r of rows) {
    if (!published(r.month, now, 15)) continue;
    const u = perturbationOf("gcp", r.month, r.service, r.region);
    const scope1 = r.locationKg * 0.004;
    const scope2Location = r.locationKg * (0.97 + 0.06 * u);
    const scope2Market = r.marketKg * (0.9 + 0.08 * u);
    const scope3 = r.embodiedKg * (1.5 + 0.2 * u);
    lines.push(
      csvLine([
        r.month,
        "",
        r.account,
        "",
        "",
        r.service,
        r.region,
        r.region,
        15,
        scope1.toFixed(6),
        scope2Location.toFixed(6),
        scope2Market.toFixed(6),
        scope3.toFixed(6),
        (scope1 + scope2Location + scope3).toFixed(6),
        (scope1 + scope2Market + scope3).toFixed(6),
        "",
      ]),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The two export files of an organization's stored AWS and GCP usage (see the module comment). */
export async function demoCarbonExports(
  app: Connection,
  tenantId: string,
  now: Date,
): Promise<{ aws: string; gcp: string }> {
  const rows = estimateRows(await demoAggregates(app, tenantId));
  return {
    aws: awsCarbonEmissionsCsv(rows.get("aws")!, now),
    gcp: gcpCarbonFootprintCsv(rows.get("gcp")!, now),
  };
}

/**
 * Gives the demo organization its provider-reported figures, once: an organization that already has
 * any is left as it is. Returns what each import stored (nothing when skipped).
 */
export async function seedDemoProviderCarbon(
  app: Connection,
  tenantId: string,
  now = new Date(),
): Promise<
  { skipped: true } | { skipped: false; aws: CarbonImportSummary; gcp: CarbonImportSummary }
> {
  if (await withTenantClient(app, tenantId, hasProviderFigures)) return { skipped: true };
  const files = await demoCarbonExports(app, tenantId, now);
  const importFile = (provider: "aws" | "gcp") =>
    importCarbonExport(app, tenantId, {
      text: files[provider],
      fileName: DEMO_CARBON_FILES[provider],
      provider,
      actorLabel: "demo seed (synthetic provider figures)",
    });
  return { skipped: false, aws: await importFile("aws"), gcp: await importFile("gcp") };
}
