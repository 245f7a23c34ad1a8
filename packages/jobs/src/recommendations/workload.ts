import type {
  FindingDraft,
  MeasureScope,
  RecommendationConstraints,
  WorkloadUsage,
} from "@canopy/db";
import {
  canonicalRegion,
  normalizeInstanceType,
  type DataPack,
  type Estimator,
  type PackProvider as Provider,
  type UsageRecord,
} from "@canopy/methodology";

/** Hours in an average month (8,766 h / 12): every finding's figures are per such month. */
export const hoursPerMonth = 730.5;

/** What every rule gets: the basis month's usage, the estimator and the organization's constraints. */
export type RuleContext = {
  /** First day of the basis month, YYYY-MM-01. */
  basisMonth: string;
  /** Basis month start and end (exclusive) of the data used. */
  basisStart: Date;
  basisEnd: Date;
  /** hoursPerMonth ÷ hours of the basis month the tenant's data covers. */
  monthScale: number;
  estimator: Estimator;
  pack: DataPack;
  constraints: RecommendationConstraints;
  prices: PriceBook;
  /** First hour each storage line (account, service, region, usage type) appears in the usage. */
  firstSeen: ReadonlyMap<string, Date>;
  /** Region moves and hardware changes saving less location-based CO2e per month are not proposed. */
  minSavedKgPerMonth: number;
};

/** Default of RuleContext.minSavedKgPerMonth: 10 g CO2e per month. */
export const defaultMinSavedKgPerMonth = 0.01;

export type EstimateTotals = { co2eLocationKg: number; co2eMarketKg: number; waterL: number };

export const zeroTotals = (): EstimateTotals => ({ co2eLocationKg: 0, co2eMarketKg: 0, waterL: 0 });

/** Which usage fields to change to estimate "the same usage, elsewhere or on other hardware". */
export type UsageChange = Partial<
  Pick<UsageRecord, "provider" | "service" | "region" | "instanceType" | "usageType">
> & { dropSizing?: boolean };

/**
 * The workload's summed usage as one estimator record. The estimator is linear in quantity and its
 * factors depend on the year only (annual grid averages; the hourly grid is not passed), so one
 * record per shape gives exactly the sum of its rows' estimates in the basis month.
 */
export function usageRecordOf(
  w: WorkloadUsage,
  periodStart: Date,
  change: UsageChange = {},
): UsageRecord {
  const record: UsageRecord = {
    provider: change.provider ?? w.provider,
    accountId: w.cloudAccountId,
    periodStart: periodStart.toISOString(),
    periodHours: 1,
    service: change.service ?? w.service,
    region: change.region ?? w.region,
    kind: w.kind,
    quantity: w.quantity,
    unit: w.unit,
    usageType: change.usageType ?? w.usageType,
    instanceType: change.instanceType ?? w.instanceType,
  };
  if (!change.dropSizing) {
    if (w.vcpus !== null) record.vcpus = w.vcpus;
    if (w.memoryGb !== null) record.memoryGb = w.memoryGb;
  }
  if (w.gpuModel !== null) record.gpuModel = w.gpuModel;
  if (w.gpuCount !== null) record.gpuCount = w.gpuCount;
  if (w.storageClass === "ssd" || w.storageClass === "hdd") record.storageClass = w.storageClass;
  if (w.replicationHint !== null) record.replicationHint = w.replicationHint;
  if (w.cpuUtilization !== null) record.cpuUtilization = w.cpuUtilization;
  return record;
}

/** Σ of the estimates of the shapes, each with the same change applied. */
export function estimateShapes(
  context: Pick<RuleContext, "estimator" | "basisStart">,
  shapes: readonly WorkloadUsage[],
  change: UsageChange = {},
): EstimateTotals {
  const totals = zeroTotals();
  for (const shape of shapes) {
    const e = context.estimator.estimate(usageRecordOf(shape, context.basisStart, change));
    totals.co2eLocationKg += e.co2eLocationKg;
    totals.co2eMarketKg += e.co2eMarketKg;
    totals.waterL += e.waterL;
  }
  return totals;
}

/** AWS usage types start with a region code ("USE1-", "EU-", "APN1-"); prices compare without it. */
export function usageTypeWithoutRegion(provider: Provider, usageType: string): string {
  return provider === "aws" ? usageType.replace(/^[A-Z]{2,4}\d?-(?=[A-Za-z])/, "") : usageType;
}

/** What a unit price is keyed by besides provider, region, unit and currency. */
export function priceItemOf(
  w: Pick<WorkloadUsage, "provider" | "kind" | "instanceType" | "service" | "usageType">,
): string {
  return w.instanceType && (w.kind === "compute" || w.kind === "gpu")
    ? `instance:${normalizeInstanceType(w.provider, w.instanceType)}`
    : `usage:${w.service}:${usageTypeWithoutRegion(w.provider, w.usageType)}`;
}

/** Where a unit price comes from: the tenant's own bill, or a provider's dated public list price. */
export type PriceSource =
  { kind: "bill" } | { kind: "gcp-cloud-catalog"; effectiveDate: string; skuId: string };

export type UnitPrice = { amountPerUnit: number; currency: string; source: PriceSource };

/** Prices for what the tenant's bill does not price (GcpCatalogPriceBook). */
export type FallbackPrices = {
  get(
    provider: Provider,
    item: string,
    region: string,
    unit: string,
    currency: string,
  ): UnitPrice | undefined;
};

/**
 * The tenant's own unit prices: Σ cost_amount ÷ Σ quantity of the basis month's rows that carried a
 * cost, per provider, item (instance type or usage type), canonical region, unit and currency; where
 * the bill has none, the fallback's (GCP Cloud Catalog list prices with their effective date).
 * Precedence: own price > fallback > none (docs/methodology.md §20.1).
 */
export class PriceBook {
  private readonly prices = new Map<string, { cost: number; quantity: number; currency: string }>();

  constructor(
    private readonly pack: DataPack,
    workloads: readonly WorkloadUsage[],
    private readonly fallback?: FallbackPrices,
  ) {
    for (const w of workloads) {
      if (w.costAmount === null || w.currency === null || !(w.costedQuantity > 0)) continue;
      const key = this.key(w.provider, priceItemOf(w), w.region, w.unit, w.currency);
      const entry = this.prices.get(key) ?? { cost: 0, quantity: 0, currency: w.currency };
      entry.cost += w.costAmount;
      entry.quantity += w.costedQuantity;
      this.prices.set(key, entry);
    }
  }

  private key(provider: Provider, item: string, region: string, unit: string, currency: string) {
    return [provider, item, canonicalRegion(this.pack, provider, region), unit, currency].join("|");
  }

  get(
    provider: Provider,
    item: string,
    region: string,
    unit: string,
    currency: string,
  ): UnitPrice | undefined {
    const entry = this.prices.get(this.key(provider, item, region, unit, currency));
    if (entry && entry.quantity > 0)
      return {
        amountPerUnit: entry.cost / entry.quantity,
        currency: entry.currency,
        source: { kind: "bill" },
      };
    return this.fallback?.get(provider, item, region, unit, currency);
  }
}

/** The distinct price sources of a cost delta, as a finding's details list them (`priceSources`). */
export function priceSourcesOf(
  sources: readonly PriceSource[],
): ({ kind: "bill" } | { kind: "gcp-cloud-catalog"; effectiveDate: string; skuIds: string[] })[] {
  const out: ReturnType<typeof priceSourcesOf> = [];
  if (sources.some((s) => s.kind === "bill")) out.push({ kind: "bill" });
  const byDate = new Map<string, Set<string>>();
  for (const s of sources)
    if (s.kind === "gcp-cloud-catalog")
      byDate.set(s.effectiveDate, (byDate.get(s.effectiveDate) ?? new Set()).add(s.skuId));
  for (const [effectiveDate, skuIds] of [...byDate].sort(([a], [b]) => a.localeCompare(b)))
    out.push({ kind: "gcp-cloud-catalog", effectiveDate, skuIds: [...skuIds].sort() });
  return out;
}

/** "from your own unit prices …", or which list prices (and their effective dates) were used besides. */
export function priceNoteOf(sources: readonly PriceSource[]): string {
  const own = "from your own unit prices (cost ÷ quantity) in the basis month";
  const dates = [
    ...new Set(sources.flatMap((s) => (s.kind === "gcp-cloud-catalog" ? [s.effectiveDate] : []))),
  ].sort();
  if (dates.length === 0) return own;
  const catalog = `GCP Cloud Catalog on-demand list prices effective ${dates.join(", ")}`;
  return sources.some((s) => s.kind === "bill")
    ? `${own} where your bill has them, else ${catalog}`
    : `from ${catalog} (your bill has no unit price for these items)`;
}

/** The currency a group of shapes is billed in, when all priced shapes agree. */
export function currencyOf(shapes: readonly WorkloadUsage[]): string | null {
  const currencies = new Set(shapes.map((s) => s.currency).filter((c): c is string => c !== null));
  return currencies.size === 1 ? [...currencies][0]! : null;
}

export type CostDelta = {
  amount: number | null;
  currency: string | null;
  note: string;
  /** The sources of the prices used (empty when the delta is null). */
  sources: PriceSource[];
};

/**
 * Monthly cost change of running the shapes at the target item and region, from the price book
 * (the tenant's own unit prices, else GCP Cloud Catalog list prices): Σ quantity × (target price −
 * current price) × monthScale. Null (with the reason) when either price is missing; never
 * estimated otherwise.
 */
export function costDeltaOf(
  context: Pick<RuleContext, "prices" | "monthScale">,
  shapes: readonly WorkloadUsage[],
  target: { provider: Provider; item: string; region: string; label: string },
): CostDelta {
  const currency = currencyOf(shapes);
  if (currency === null)
    return {
      amount: null,
      currency: null,
      note: "no cost in the bill for the current usage",
      sources: [],
    };
  let delta = 0;
  const sources: PriceSource[] = [];
  for (const shape of shapes) {
    const current = context.prices.get(
      shape.provider,
      priceItemOf(shape),
      shape.region,
      shape.unit,
      currency,
    );
    if (!current)
      return {
        amount: null,
        currency,
        note: "no cost in the bill for the current usage",
        sources: [],
      };
    const next = context.prices.get(
      target.provider,
      target.item,
      target.region,
      shape.unit,
      currency,
    );
    if (!next)
      return {
        amount: null,
        currency,
        note: `no price for ${target.label} in region ${target.region}`,
        sources: [],
      };
    delta += shape.quantity * (next.amountPerUnit - current.amountPerUnit);
    sources.push(current.source, next.source);
  }
  return { amount: delta * context.monthScale, currency, note: priceNoteOf(sources), sources };
}

/** Σ of the shapes' billed cost, per month. Null when none of them has a cost. */
export function monthlyCostOf(
  context: Pick<RuleContext, "monthScale">,
  shapes: readonly WorkloadUsage[],
): { amount: number; currency: string } | null {
  const currency = currencyOf(shapes);
  const costed = shapes.filter((s) => s.costAmount !== null);
  if (currency === null || costed.length === 0) return null;
  return {
    amount: costed.reduce((s, w) => s + (w.costAmount ?? 0), 0) * context.monthScale,
    currency,
  };
}

/** Groups shapes by a key (a workload is every shape of one key). */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

export const round = (value: number, digits = 6) => Number(value.toFixed(digits));

/** The figures every draft repeats, scaled to a month. */
export function draftFigures(
  context: Pick<RuleContext, "monthScale" | "basisMonth" | "estimator">,
  current: EstimateTotals,
  target: EstimateTotals,
): Pick<
  FindingDraft,
  | "co2eLocationSavedKgPerMonth"
  | "co2eMarketSavedKgPerMonth"
  | "waterSavedLPerMonth"
  | "basisMonth"
  | "basisCo2eLocationKgPerMonth"
  | "basisCo2eMarketKgPerMonth"
  | "methodologyVersion"
> {
  const s = context.monthScale;
  return {
    co2eLocationSavedKgPerMonth: round((current.co2eLocationKg - target.co2eLocationKg) * s),
    co2eMarketSavedKgPerMonth: round((current.co2eMarketKg - target.co2eMarketKg) * s),
    waterSavedLPerMonth: round((current.waterL - target.waterL) * s),
    basisMonth: context.basisMonth,
    basisCo2eLocationKgPerMonth: round(current.co2eLocationKg * s),
    basisCo2eMarketKgPerMonth: round(current.co2eMarketKg * s),
    methodologyVersion: context.estimator.methodologyVersion,
  };
}

/** The emissions_hourly scope of a set of shapes (plus any target regions / instance types). */
export function measureScopeOf(
  shapes: readonly WorkloadUsage[],
  extra: { regions?: string[]; instanceTypes?: string[]; services?: string[] } = {},
): MeasureScope {
  const unique = (values: string[]) => [...new Set(values)].sort();
  const instanceTypes = shapes.map((s) => s.instanceType).filter((t) => t !== "");
  return {
    cloudAccountIds: unique(shapes.map((s) => s.cloudAccountId)),
    services: unique([...shapes.map((s) => s.service), ...(extra.services ?? [])]),
    regions: unique([...shapes.map((s) => s.region), ...(extra.regions ?? [])]),
    kinds: unique(shapes.map((s) => s.kind)),
    instanceTypes:
      instanceTypes.length === 0 ? [] : unique([...instanceTypes, ...(extra.instanceTypes ?? [])]),
  };
}

/** Resources as the finding shows them (the usage_hourly identifiers). */
export function resourcesOf(shapes: readonly WorkloadUsage[]): Record<string, unknown> {
  const first = shapes[0]!;
  return {
    cloudAccountId: first.cloudAccountId,
    provider: first.provider,
    service: first.service,
    region: first.region,
    kind: first.kind,
    instanceType: first.instanceType || null,
    usageTypes: [...new Set(shapes.map((s) => s.usageType))].sort(),
    quantity: round(shapes.reduce((s, w) => s + w.quantity, 0)),
    unit: first.unit,
  };
}
