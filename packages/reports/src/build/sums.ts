import { addMeasures, round6, roundMeasures, zeroMeasures, type Measures } from "../model/measures";
import type { Spend } from "../model/types";

/** Sums rows in a fixed order (the caller's), rounded: the same rows always give the same figures. */
export function sumMeasures(rows: readonly Measures[]): Measures {
  const total = zeroMeasures();
  for (const row of rows) addMeasures(total, row);
  return roundMeasures(total);
}

export function sumSpend(
  rows: readonly { spendAmount: number; currency: string | null }[],
): Spend[] {
  const byCurrency = new Map<string, number>();
  for (const row of rows) {
    if (!row.currency) continue;
    byCurrency.set(row.currency, (byCurrency.get(row.currency) ?? 0) + row.spendAmount);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, amount]) => ({ currency, amount: round6(amount) }));
}
