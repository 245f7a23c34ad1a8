import type { PoolClient } from "pg";
import {
  budgetStatus,
  forecastLinearTrend,
  intensityPer1000,
  sbtiPresetReductionPercent,
  sciScore,
  targetProgress,
  type BudgetStatus,
  type TargetProgress,
  type TrendForecast,
} from "@canopy/methodology";
import { dailyTotals, denseDays, type EmissionBasis } from "./emission-series";

/**
 * Budgets, reduction targets and carbon efficiency: the one definition of each figure. The dashboard,
 * the REST API, the alert job and the monthly report call these functions (docs/methodology.md §19).
 */

const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const startOfUtcDay = (now: Date) =>
  Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());

// --- Budgets ------------------------------------------------------------------------------------

export type BudgetPeriod = "month" | "quarter" | "year";

export type CarbonBudget = {
  id: string;
  name: string;
  tagKey: string | null;
  tagValue: string | null;
  period: BudgetPeriod;
  basis: EmissionBasis;
  budgetCo2eKg: number;
  createdAt: string;
};

export type BudgetInput = Omit<CarbonBudget, "id" | "createdAt">;

type BudgetDbRow = {
  id: string;
  name: string;
  tag_key: string | null;
  tag_value: string | null;
  period: BudgetPeriod;
  basis: EmissionBasis;
  budget_co2e_kg: number;
  created_at: Date;
};
const toBudget = (r: BudgetDbRow): CarbonBudget => ({
  id: r.id,
  name: r.name,
  tagKey: r.tag_key,
  tagValue: r.tag_value,
  period: r.period,
  basis: r.basis,
  budgetCo2eKg: r.budget_co2e_kg,
  createdAt: r.created_at.toISOString(),
});
const budgetColumns = "id, name, tag_key, tag_value, period, basis, budget_co2e_kg, created_at";

export async function listBudgets(client: PoolClient): Promise<CarbonBudget[]> {
  const { rows } = await client.query<BudgetDbRow>(
    `SELECT ${budgetColumns} FROM carbon_budgets ORDER BY created_at`,
  );
  return rows.map(toBudget);
}

export async function createBudget(
  client: PoolClient,
  tenantId: string,
  input: BudgetInput,
): Promise<CarbonBudget> {
  const { rows } = await client.query<BudgetDbRow>(
    `INSERT INTO carbon_budgets (tenant_id, name, tag_key, tag_value, period, basis, budget_co2e_kg)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${budgetColumns}`,
    [
      tenantId,
      input.name,
      input.tagKey,
      input.tagValue,
      input.period,
      input.basis,
      input.budgetCo2eKg,
    ],
  );
  return toBudget(rows[0]!);
}

export async function updateBudget(
  client: PoolClient,
  id: string,
  patch: Partial<Pick<CarbonBudget, "name" | "budgetCo2eKg" | "period" | "basis">>,
): Promise<CarbonBudget | null> {
  const { rows } = await client.query<BudgetDbRow>(
    `UPDATE carbon_budgets SET name = coalesce($2, name), budget_co2e_kg = coalesce($3, budget_co2e_kg),
            period = coalesce($4, period), basis = coalesce($5, basis), updated_at = now()
     WHERE id = $1 RETURNING ${budgetColumns}`,
    [id, patch.name ?? null, patch.budgetCo2eKg ?? null, patch.period ?? null, patch.basis ?? null],
  );
  return rows[0] ? toBudget(rows[0]) : null;
}

export async function deleteBudget(client: PoolClient, id: string): Promise<boolean> {
  const { rowCount } = await client.query("DELETE FROM carbon_budgets WHERE id = $1", [id]);
  return (rowCount ?? 0) > 0;
}

/** The calendar period (UTC) containing `day`: [start, end) as ISO days. */
export function periodContaining(period: BudgetPeriod, day: Date): { start: string; end: string } {
  const y = day.getUTCFullYear();
  const m = day.getUTCMonth();
  const [startMonth, months] =
    period === "month" ? [m, 1] : period === "quarter" ? [m - (m % 3), 3] : [0, 12];
  return {
    start: isoDay(Date.UTC(y, startMonth, 1)),
    end: isoDay(Date.UTC(y, startMonth + months, 1)),
  };
}

export type BudgetEvaluation = {
  budget: CarbonBudget;
  periodStart: string;
  periodEnd: string;
  /** Days of the period with data counted (the days before `asOf`). */
  daysElapsed: number;
  daysInPeriod: number;
  forecast: TrendForecast;
  status: BudgetStatus;
  /** forecast ÷ budget. */
  forecastShare: number;
};

/**
 * A budget's burn-down as of `asOf` (default now): the period's days before asOf's UTC day are the
 * observations (today is still being billed), the rest is forecast with the linear trend.
 */
export async function evaluateBudget(
  client: PoolClient,
  budget: CarbonBudget,
  asOf: Date = new Date(),
): Promise<BudgetEvaluation> {
  const today = startOfUtcDay(asOf);
  const { start, end } = periodContaining(budget.period, new Date(today - DAY_MS));
  const observedEnd = isoDay(Math.min(today, Date.parse(`${end}T00:00:00Z`)));
  const tag =
    budget.tagKey !== null && budget.tagValue !== null
      ? { key: budget.tagKey, value: budget.tagValue }
      : undefined;
  const points = await dailyTotals(client, { from: start, to: observedEnd }, budget.basis, tag);
  const observed = denseDays(points, start, observedEnd);
  const daysInPeriod = Math.round((Date.parse(end) - Date.parse(start)) / DAY_MS);
  const forecast = forecastLinearTrend(observed, daysInPeriod - observed.length);
  return {
    budget,
    periodStart: start,
    periodEnd: end,
    daysElapsed: observed.length,
    daysInPeriod,
    forecast,
    status: budgetStatus(budget.budgetCo2eKg, forecast),
    forecastShare: forecast.forecastKg / budget.budgetCo2eKg,
  };
}

// --- Reduction targets --------------------------------------------------------------------------

export const sbtiPreset = "sbti-1.5c-linear";

export type ReductionTargetRow = {
  id: string;
  basis: EmissionBasis;
  baseYear: number;
  targetYear: number;
  reductionPercent: number;
  preset: string | null;
  updatedAt: string;
};

type TargetDbRow = {
  id: string;
  basis: EmissionBasis;
  base_year: number;
  target_year: number;
  reduction_percent: number;
  preset: string | null;
  updated_at: Date;
};
const toTarget = (r: TargetDbRow): ReductionTargetRow => ({
  id: r.id,
  basis: r.basis,
  baseYear: r.base_year,
  targetYear: r.target_year,
  reductionPercent: r.reduction_percent,
  preset: r.preset,
  updatedAt: r.updated_at.toISOString(),
});

export async function listTargets(client: PoolClient): Promise<ReductionTargetRow[]> {
  const { rows } = await client.query<TargetDbRow>(
    "SELECT id, basis, base_year, target_year, reduction_percent, preset, updated_at FROM reduction_targets ORDER BY basis",
  );
  return rows.map(toTarget);
}

/**
 * Sets the organization's target for a basis (one per basis; replaces). With `preset`
 * "sbti-1.5c-linear" the reduction is 4.2 % × (target year − base year), capped at 100 %.
 */
export async function setTarget(
  client: PoolClient,
  tenantId: string,
  input: {
    basis: EmissionBasis;
    baseYear: number;
    targetYear: number;
    reductionPercent?: number | undefined;
    preset?: typeof sbtiPreset | null | undefined;
  },
): Promise<ReductionTargetRow> {
  if (input.targetYear <= input.baseYear)
    throw new RangeError("targetYear: must come after baseYear");
  const reductionPercent =
    input.preset === sbtiPreset
      ? sbtiPresetReductionPercent(input.baseYear, input.targetYear)
      : input.reductionPercent;
  if (reductionPercent === undefined || !(reductionPercent > 0 && reductionPercent <= 100))
    throw new RangeError("reductionPercent: give a reduction above 0 and at most 100, or a preset");
  const { rows } = await client.query<TargetDbRow>(
    `INSERT INTO reduction_targets (tenant_id, basis, base_year, target_year, reduction_percent, preset)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, basis) DO UPDATE SET base_year = EXCLUDED.base_year,
       target_year = EXCLUDED.target_year, reduction_percent = EXCLUDED.reduction_percent,
       preset = EXCLUDED.preset, updated_at = now()
     RETURNING id, basis, base_year, target_year, reduction_percent, preset, updated_at`,
    [
      tenantId,
      input.basis,
      input.baseYear,
      input.targetYear,
      reductionPercent,
      input.preset ?? null,
    ],
  );
  return toTarget(rows[0]!);
}

export async function deleteTarget(client: PoolClient, basis: EmissionBasis): Promise<boolean> {
  const { rowCount } = await client.query("DELETE FROM reduction_targets WHERE basis = $1", [
    basis,
  ]);
  return (rowCount ?? 0) > 0;
}

export type TargetReport = {
  target: ReductionTargetRow;
  progress: TargetProgress;
  forecastMethod: TrendForecast["method"];
};

/**
 * Progress of each target in `year` as of `asOf`: the base year's total, this year's days before
 * asOf's UTC day (or the whole year, for a past year), and the linear-trend forecast to year end.
 */
export async function targetReports(
  client: PoolClient,
  options: { asOf?: Date; year?: number } = {},
): Promise<TargetReport[]> {
  const asOf = options.asOf ?? new Date();
  const year = options.year ?? new Date(startOfUtcDay(asOf) - DAY_MS).getUTCFullYear();
  const out: TargetReport[] = [];
  for (const target of await listTargets(client)) {
    const base = await dailyTotals(
      client,
      { from: `${target.baseYear}-01-01`, to: `${target.baseYear + 1}-01-01` },
      target.basis,
    );
    const baseYearKg = base.reduce((sum, p) => sum + p.co2eKg, 0);
    const yearStart = `${year}-01-01`;
    const yearEnd = `${year + 1}-01-01`;
    const observedEnd = isoDay(
      Math.max(Date.parse(yearStart), Math.min(startOfUtcDay(asOf), Date.parse(yearEnd))),
    );
    const points = await dailyTotals(client, { from: yearStart, to: observedEnd }, target.basis);
    const observed = denseDays(points, yearStart, observedEnd);
    const daysInYear = Math.round((Date.parse(yearEnd) - Date.parse(yearStart)) / DAY_MS);
    const forecast = forecastLinearTrend(observed, daysInYear - observed.length);
    out.push({
      target,
      progress: targetProgress(target, baseYearKg, year, forecast),
      forecastMethod: forecast.method,
    });
  }
  return out;
}

// --- Carbon efficiency --------------------------------------------------------------------------

export type EfficiencyMonth = {
  month: string;
  currency: string;
  co2eKg: number;
  costCoveredAmount: number;
  /** kg CO2e (location-based total) per 1,000 of the cost covered by the estimate; null without cost. */
  kgCo2ePer1000: number | null;
};

/**
 * kg CO2e per 1,000 of spend per month and currency, [from, to) months (YYYY-MM-01): the dashboard
 * headline's definition (@canopy/methodology intensityPer1000: location-based total ÷ cost covered
 * by the estimate, i.e. estimated cost + spend-based cost), never mixing currencies.
 */
export async function efficiencyByMonth(
  client: PoolClient,
  range: { from: string; to: string },
): Promise<EfficiencyMonth[]> {
  const { rows } = await client.query<{
    month: string;
    currency: string;
    kg: number;
    cost: number;
  }>(
    `SELECT to_char(month, 'YYYY-MM') AS month, currency,
            sum(co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg)::float8 AS kg,
            (coalesce(sum(cost_amount) FILTER (WHERE kind <> 'other'), 0) + coalesce(sum(cost_spend_based_amount), 0))::float8 AS cost
     FROM emissions_monthly WHERE month >= $1::date AND month < $2::date AND currency IS NOT NULL
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [range.from, range.to],
  );
  return rows.map((r) => ({
    month: r.month,
    currency: r.currency,
    co2eKg: r.kg,
    costCoveredAmount: r.cost,
    kgCo2ePer1000: intensityPer1000(r.kg, r.cost),
  }));
}

// --- Functional units and SCI -------------------------------------------------------------------

export type FunctionalUnitInput = {
  tagKey: string;
  tagValue: string;
  periodStart: string;
  periodEnd: string;
  unitName: string;
  unitCount: number;
};

export type FunctionalUnitRow = FunctionalUnitInput & { id: string };

/** Stores (or replaces) the count of one unit for a workload and period. */
export async function upsertFunctionalUnits(
  client: PoolClient,
  tenantId: string,
  items: readonly FunctionalUnitInput[],
): Promise<FunctionalUnitRow[]> {
  const out: FunctionalUnitRow[] = [];
  for (const item of items) {
    if (!(Date.parse(item.periodEnd) > Date.parse(item.periodStart)))
      throw new RangeError("periodEnd: must come after periodStart");
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO functional_units (tenant_id, tag_key, tag_value, period_start, period_end, unit_name, unit_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, tag_key, tag_value, unit_name, period_start, period_end)
       DO UPDATE SET unit_count = EXCLUDED.unit_count, updated_at = now() RETURNING id`,
      [
        tenantId,
        item.tagKey,
        item.tagValue,
        item.periodStart,
        item.periodEnd,
        item.unitName,
        item.unitCount,
      ],
    );
    out.push({ ...item, id: rows[0]!.id });
  }
  return out;
}

export type SciPoint = FunctionalUnitRow & {
  kwhFacility: number;
  /** Location-based intensity of the workload's energy in the period (kWh-weighted), g/kWh. */
  gridIntensityGPerKwh: number;
  embodiedKg: number;
  /** SCI: kg CO2e per functional unit (ISO/IEC 21031:2024, @canopy/methodology sciScore). */
  sciKgPerUnit: number;
};

/**
 * SCI per workload and period for every posted functional unit (oldest first): E = facility kWh and
 * M = embodied kg of the hourly rows tagged key=value in [periodStart, periodEnd), I = their
 * location-based CO2e ÷ E. Spend-based CO2e has no energy and is outside SCI.
 */
export async function sciSeries(
  client: PoolClient,
  filter: { tagKey?: string; tagValue?: string } = {},
): Promise<SciPoint[]> {
  const { rows } = await client.query<{
    id: string;
    tag_key: string;
    tag_value: string;
    period_start: string;
    period_end: string;
    unit_name: string;
    unit_count: number;
    kwh: number;
    location_kg: number;
    embodied_kg: number;
  }>(
    `SELECT f.id, f.tag_key, f.tag_value, to_char(f.period_start, 'YYYY-MM-DD') AS period_start,
            to_char(f.period_end, 'YYYY-MM-DD') AS period_end, f.unit_name, f.unit_count,
            coalesce(e.kwh, 0)::float8 AS kwh, coalesce(e.location_kg, 0)::float8 AS location_kg,
            coalesce(e.embodied_kg, 0)::float8 AS embodied_kg
     FROM functional_units f
     LEFT JOIN LATERAL (
       SELECT sum(h.kwh_facility) AS kwh, sum(h.co2e_location_kg) AS location_kg, sum(h.co2e_embodied_kg) AS embodied_kg
       FROM emissions_hourly h
       WHERE h.hour >= f.period_start AND h.hour < f.period_end AND h.tags ->> f.tag_key = f.tag_value) e ON true
     WHERE ($1::text IS NULL OR f.tag_key = $1) AND ($2::text IS NULL OR f.tag_value = $2)
     ORDER BY f.tag_key, f.tag_value, f.unit_name, f.period_start`,
    [filter.tagKey ?? null, filter.tagValue ?? null],
  );
  return rows.map((r) => {
    const gridIntensityGPerKwh = r.kwh > 0 ? (r.location_kg * 1000) / r.kwh : 0;
    return {
      id: r.id,
      tagKey: r.tag_key,
      tagValue: r.tag_value,
      periodStart: r.period_start,
      periodEnd: r.period_end,
      unitName: r.unit_name,
      unitCount: r.unit_count,
      kwhFacility: r.kwh,
      gridIntensityGPerKwh,
      embodiedKg: r.embodied_kg,
      sciKgPerUnit: sciScore({
        energyKwh: r.kwh,
        gridIntensityGPerKwh,
        embodiedKg: r.embodied_kg,
        functionalUnits: r.unit_count,
      }),
    };
  });
}
