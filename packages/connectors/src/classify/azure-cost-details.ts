import { decideAzureMeter } from "./azure-meters";
import { jsonObjectOf, MAX_COST_MAGNITUDE, optionalNumberOf, RowValueError, stringMapOf, textOf } from "./cell-values";
import { missingColumns, resolveColumns, usedColumnsOf, type ColumnAliases } from "./columns";
import { azureRegionCodeOf, isKnownAzureRegion } from "./regions";
import { isoTextOf, requiredTimestampMs, usageTimeWindow } from "./timestamps";
import type { BillingRow, ClassifiedUsage, ClassifyOptions, ClassifyOutcome, RowClassifier, UnsupportedReason } from "./types";
import { parseUnit } from "./units";
import { canonicalAccountId, canonicalBillingAccountId, optionalBillingAccountId, rowErrorOf } from "./account-ids";
import { canonicalService } from "./services";
import { attemptLineBase, recordsOf, unsupportedOutcome, type BuiltLineBase, type LineBase, completeLineBase } from "./usage-records";

/**
 * Azure cost details (Cost Management exports, Cost Details API, EA and MCA downloads). Headers are
 * matched case-insensitively: EA writes PascalCase, MCA mostly camelCase.
 */
export const azureColumns = {
  date: ["Date", "UsageDateTime", "UsageDate"],
  chargeType: ["ChargeType"],
  publisherType: ["PublisherType"],
  meterCategory: ["MeterCategory"],
  meterSubCategory: ["MeterSubCategory", "MeterSubcategory"],
  meterName: ["MeterName"],
  meterRegion: ["MeterRegion"],
  quantity: ["Quantity", "UsageQuantity", "ConsumedQuantity"],
  unitOfMeasure: ["UnitOfMeasure"],
  cost: ["CostInBillingCurrency", "Cost", "PreTaxCost", "CostInUsd"],
  currency: ["BillingCurrencyCode", "BillingCurrency", "Currency", "BillingCurrencyCode"],
  subscriptionId: ["SubscriptionId", "SubscriptionGuid"],
  billingAccountId: ["BillingAccountId"],
  billingProfileId: ["BillingProfileId"],
  resourceLocation: ["ResourceLocation"],
  resourceLocationNormalized: ["ResourceLocationNormalized", "Location"],
  resourceId: ["ResourceId", "InstanceName", "InstanceId"],
  consumedService: ["ConsumedService"],
  additionalInfo: ["AdditionalInfo"],
  tags: ["Tags"],
} as const satisfies ColumnAliases<string>;
export type AzureField = keyof typeof azureColumns;

export const azureRequiredFields: readonly AzureField[] = ["date", "meterCategory", "meterName", "quantity", "unitOfMeasure"];

const moneyOnlyChargeTypes: Record<string, UnsupportedReason> = {
  purchase: "purchase",
  refund: "refund",
  tax: "tax",
  credit: "credit",
  adjustment: "adjustment",
  roundingadjustment: "rounding",
  unusedreservation: "unused-commitment",
  unusedsavingsplan: "unused-commitment",
};

export function createAzureClassifier(header: readonly string[], options: ClassifyOptions = {}): RowClassifier {
  const c = resolveColumns(header, azureColumns);
  const missing = missingColumns(c, azureColumns, azureRequiredFields);
  if (missing.length > 0) throw new Error(`not an Azure cost details header: missing ${missing.join(", ")}`);
  const includeTags = options.includeTags ?? true;
  const includeResourceIds = options.includeResourceIds ?? true;
  const window = options.timeWindow ?? usageTimeWindow();
  const used = usedColumnsOf(c).filter(
    (column) => (includeTags || column !== c.tags) && (includeResourceIds || column !== c.resourceId),
  );
  const get = (row: BillingRow, field: AzureField): unknown => {
    const column = c[field];
    return column === undefined ? undefined : row[column];
  };

  function regionOf(row: BillingRow): string {
    for (const field of ["resourceLocation", "resourceLocationNormalized"] as const) {
      const code = azureRegionCodeOf(textOf(get(row, field)));
      if (code) return code;
    }
    const meterRegion = azureRegionCodeOf(textOf(get(row, "meterRegion")));
    return meterRegion && isKnownAzureRegion(meterRegion) ? meterRegion : "";
  }

  /**
   * Account, day, service and region of a line. The account is the subscription GUID; a line
   * without a subscription (billing-account-level purchases, taxes…) belongs to the billing account.
   * `billingAccountId` is BillingAccountId, else BillingProfileId, as the file gives it.
   */
  function lineBaseOf(row: BillingRow, lineNumber: number | undefined, costAmount: number, currency: string | undefined): BuiltLineBase {
    const startMs = requiredTimestampMs(get(row, "date"), c.date ?? "Date", window);
    const subscription = textOf(get(row, "subscriptionId"));
    const billingText = textOf(get(row, "billingAccountId")).trim() || textOf(get(row, "billingProfileId")).trim();
    const billing = optionalBillingAccountId("azure", billingText);
    let account: { id: string; warning?: string };
    if (subscription.trim() !== "") account = canonicalAccountId("azure", subscription);
    else if (billingText !== "") account = canonicalBillingAccountId("azure", billingText);
    else throw new RowValueError("SubscriptionId is empty");
    const meterCategory = textOf(get(row, "meterCategory"));
    const base: LineBase = {
      provider: "azure",
      accountId: account.id,
      periodStart: isoTextOf(startMs),
      periodStartMs: startMs,
      periodHours: 24,
      service: canonicalService("azure", meterCategory || textOf(get(row, "consumedService"))) || "unknown",
      region: regionOf(row),
      usageType: textOf(get(row, "meterName")),
      costAmount,
    };
    return completeLineBase(
      base,
      {
        billingAccountId: billing?.id,
        currency,
        resourceId: includeResourceIds ? textOf(get(row, "resourceId")) : undefined,
        tags: includeTags ? stringMapOf(get(row, "tags")) : undefined,
        source: options.source,
        lineNumber,
      },
      account.warning,
      billing?.warning,
    );
  }

  type MoneyLine = { row: BillingRow; lineNumber: number | undefined; costAmount: number; currency: string | undefined };

  /** A line that carries no energy, with its cost-only record (not a closure per line: usage lines are millions). */
  function unsupported(line: MoneyLine, reason: UnsupportedReason, detail: string): ClassifyOutcome {
    const { row, lineNumber, costAmount, currency } = line;
    return unsupportedOutcome(reason, detail, costAmount, currency, attemptLineBase(() => lineBaseOf(row, lineNumber, costAmount, currency)));
  }

  function classify(row: BillingRow, lineNumber?: number): ClassifyOutcome {
    try {
      const costAmount = optionalNumberOf(get(row, "cost"), c.cost ?? "Cost", MAX_COST_MAGNITUDE) ?? 0;
      const currency = textOf(get(row, "currency")) || undefined;
      const meterCategory = textOf(get(row, "meterCategory"));
      const line: MoneyLine = { row, lineNumber, costAmount, currency };
      const chargeType = textOf(get(row, "chargeType"));
      if (chargeType !== "" && chargeType.toLowerCase() !== "usage") {
        const reason = moneyOnlyChargeTypes[chargeType.toLowerCase()];
        if (!reason) throw new RowValueError(`unknown ChargeType "${chargeType}"`);
        return unsupported(line, reason, `${chargeType} ${meterCategory}`.trim());
      }
      if (textOf(get(row, "publisherType")).toLowerCase() === "marketplace") return unsupported(line, "marketplace", meterCategory);

      const meterName = textOf(get(row, "meterName"));
      const quantity = optionalNumberOf(get(row, "quantity"), c.quantity ?? "Quantity");
      if (quantity === undefined) throw new RowValueError(`${c.quantity ?? "Quantity"} is empty`);
      // A negative quantity (a correction of earlier usage) yields records with negative quantities
      // that net against the usage they correct: the decision is linear in the quantity.
      const unitText = textOf(get(row, "unitOfMeasure"));
      const unit = parseUnit(unitText);
      const startMs = requiredTimestampMs(get(row, "date"), c.date ?? "Date", window);
      const rawInfo = get(row, "additionalInfo");
      const needsInfo = /Virtual Machines|vCore/i.test(meterCategory) || /vCore/i.test(meterName);
      const additionalInfo = needsInfo ? jsonObjectOf(rawInfo) : undefined;
      const decision = decideAzureMeter(
        {
          meterCategory,
          meterSubCategory: textOf(get(row, "meterSubCategory")),
          meterName,
          unit,
          quantity,
          periodStartMs: startMs,
          ...(additionalInfo ? { additionalInfo } : {}),
        },
        options,
      );
      if (decision.status === "unsupported") return unsupported(line, decision.reason, decision.detail);

      const { base, warning } = lineBaseOf(row, lineNumber, costAmount, currency);
      const outcome: ClassifiedUsage = { status: "usage", records: recordsOf(base, decision.measures) };
      if (warning !== undefined) outcome.warning = warning;
      return outcome;
    } catch (error) {
      if (error instanceof RowValueError) return rowErrorOf(error);
      throw error;
    }
  }

  const numericColumns = [c.quantity, c.cost].filter((column): column is string => column !== undefined);
  return { format: "azure", usedColumns: used, numericColumns, classify };
}
