/**
 * Cost coverage: the one definition of which billed cost the emissions estimate covers. The dashboard
 * queries, the REST API and the finance report all use these (SQL over emissions_hourly, _daily,
 * _monthly or usage_hourly, which share the `kind` and `cost_amount` columns; the predicate in code).
 *
 * - Cost not modelled: cost on rows with kind "other" — billing lines Canopy attributes no energy to
 *   (tax, credits, refunds, fees, marketplace, licences, support, corrections…, stored as cost-only
 *   rows, and usage the method has no energy model for, such as data-transfer ingress).
 * - Cost covered by the estimate: all other cost (usage that went through the estimation method).
 * - Covered + not modelled = total cost, which per account and month equals the imported invoice.
 *
 * Intensity per 1,000 of spend divides by the cost covered by the estimate: the emissions and the
 * cost then describe the same usage, and tax or a credit does not move the rate.
 */

/** The usage kind whose cost is not modelled (zero energy by construction). */
export const costNotModelledKind = "other";

/** Whether a row's cost is "not modelled" (else it is "covered by the estimate"). */
export function isCostNotModelled(kind: string): boolean {
  return kind === costNotModelledKind;
}

/** SQL condition on `kind` (any table with the column; pass an alias prefix like "e." if needed). */
export function costNotModelledCondition(prefix = ""): string {
  return `${prefix}kind = '${costNotModelledKind}'`;
}

/** SQL aggregate expressions (numeric) for the three cost figures. */
export const costSql = {
  total: (prefix = "") => `coalesce(sum(${prefix}cost_amount), 0)`,
  covered: (prefix = "") =>
    `coalesce(sum(${prefix}cost_amount) FILTER (WHERE NOT (${costNotModelledCondition(prefix)})), 0)`,
  notModelled: (prefix = "") =>
    `coalesce(sum(${prefix}cost_amount) FILTER (WHERE ${costNotModelledCondition(prefix)}), 0)`,
} as const;

/** usage_hourly.usage_type of cost-only rows that are tax. */
export const taxUsageTypes = ["tax"] as const;
/** usage_hourly.usage_type of cost-only rows that are credits (credits, refunds, discounts). */
export const creditUsageTypes = ["credit", "refund", "discount"] as const;

export const costCoverageLabels = {
  covered: "Cost covered by the estimate",
  notModelled: "Cost not modelled",
  total: "Total cost",
  tax: "Tax",
  credits: "Credits, refunds and discounts",
} as const;

export const costCoverageDefinition =
  'Cost not modelled is the cost of billing lines Canopy attributes no energy to (usage kind "other": ' +
  "tax, credits, refunds, fees, support, marketplace, licences, corrections and usage without an energy model). " +
  "Cost covered by the estimate is all other cost. Together they are the total cost, which per account and month " +
  "equals the invoice total of the imported file. Intensity per 1,000 of spend uses the cost covered by the estimate.";
