import { hostedRegion, isPackProvider, type PackProvider, type UsageRecord } from "@canopy/methodology";
import { awsInstanceTypeOf, decideAwsUsage, lambdaMeasures } from "./aws-usage-types";
import { decideAzureMeter } from "./azure-meters";
import { jsonObjectOf, MAX_COST_MAGNITUDE, optionalNumberOf, RowValueError, stringMapOf, textOf } from "./cell-values";
import { missingColumns, resolveColumns, usedColumnsOf, type ColumnAliases } from "./columns";
import { decideLongTailUsage } from "./focus-long-tail";
import { decideGcpSku } from "./gcp-skus";
import { awsRegionFromLongName, azureRegionCodeOf } from "./regions";
import { isoTextOf, optionalTimestampMs, periodHoursBetween, requiredTimestampMs, usageTimeWindow } from "./timestamps";
import type { BillingRow, ClassifiedUsage, ClassifyOptions, ClassifyOutcome, RowClassifier, UnsupportedReason } from "./types";
import { gibHoursOf, gibOf, hoursOf, parseUnit, tbHoursOfGibHours, type ParsedUnit } from "./units";
import { canonicalAccountId, canonicalBillingAccountId, optionalBillingAccountId, rowErrorOf } from "./account-ids";
import { canonicalService } from "./services";
import {
  attemptLineBase,
  instanceMeasures,
  otherMeasure,
  recordsOf,
  unsupportedOutcome,
  type BuiltLineBase,
  type LineBase,
  type Measure,
  completeLineBase,
} from "./usage-records";

/**
 * FOCUS 1.0–1.4 rows from any provider. Physical usage is ConsumedQuantity/ConsumedUnit; what was
 * metered comes from provider columns where present (AWS `x_UsageType` / `SkuMeter`, Azure
 * `x_SkuMeterCategory`…), else from ChargeDescription. Cost is BilledCost (AWS rounds EffectiveCost).
 *
 * The provider is `ServiceProviderName` (1.3; 1.4 drops `ProviderName` and `PublisherName`), else
 * `ProviderName`. A provider without a pack model is estimated at its host cloud's region when
 * `HostProviderName` names AWS, Azure or Google Cloud, else with its long-tail profile
 * (focus-long-tail.ts). 1.3 split cost allocation: an allocated charge belongs to its
 * `AllocatedResourceId` and carries `AllocatedTags` (allocatedQuantityShare below).
 */
export const focusColumns = {
  chargeCategory: ["ChargeCategory"],
  chargeClass: ["ChargeClass"],
  chargePeriodStart: ["ChargePeriodStart"],
  chargePeriodEnd: ["ChargePeriodEnd"],
  providerName: ["ServiceProviderName", "ProviderName"],
  hostProviderName: ["HostProviderName"],
  invoiceIssuerName: ["InvoiceIssuerName"],
  serviceName: ["ServiceName"],
  serviceCategory: ["ServiceCategory"],
  serviceSubcategory: ["ServiceSubcategory"],
  consumedQuantity: ["ConsumedQuantity"],
  consumedUnit: ["ConsumedUnit"],
  pricingQuantity: ["PricingQuantity"],
  pricingUnit: ["PricingUnit"],
  billedCost: ["BilledCost"],
  listCost: ["ListCost"],
  listUnitPrice: ["ListUnitPrice"],
  billingCurrency: ["BillingCurrency"],
  regionId: ["RegionId"],
  regionName: ["RegionName"],
  subAccountId: ["SubAccountId"],
  billingAccountId: ["BillingAccountId"],
  resourceId: ["ResourceId"],
  chargeDescription: ["ChargeDescription"],
  commitmentDiscountStatus: ["CommitmentDiscountStatus"],
  skuMeter: ["SkuMeter"],
  skuPriceDetails: ["SkuPriceDetails"],
  awsUsageType: ["x_UsageType"],
  awsServiceCode: ["x_ServiceCode"],
  azureMeterCategory: ["x_SkuMeterCategory"],
  azureMeterSubcategory: ["x_SkuMeterSubcategory"],
  azureMeterName: ["x_SkuMeterName"],
  azureSkuDetails: ["x_SkuDetails"],
  tags: ["Tags"],
  allocatedResourceId: ["AllocatedResourceId"],
  allocatedTags: ["AllocatedTags"],
} as const satisfies ColumnAliases<string>;
export type FocusField = keyof typeof focusColumns;

export const focusRequiredFields: readonly FocusField[] = [
  "chargeCategory",
  "chargePeriodStart",
  "providerName",
  "serviceName",
  "billedCost",
  "consumedQuantity",
  "consumedUnit",
];

const moneyOnlyCategories: Record<string, UnsupportedReason> = {
  purchase: "purchase",
  tax: "tax",
  credit: "credit",
  adjustment: "adjustment",
};

/** Names seen: a file repeats a few provider names on every line, in up to three columns. */
const providerByName = new Map<string, UsageRecord["provider"] | undefined>();

/** The provider of a FOCUS provider name; `other` for any provider without a profile, undefined when empty. */
export function focusProviderOf(name: string): UsageRecord["provider"] | undefined {
  if (providerByName.has(name)) return providerByName.get(name);
  const provider = providerOfName(name);
  if (providerByName.size >= 1_000) providerByName.clear();
  providerByName.set(name, provider);
  return provider;
}

function providerOfName(name: string): UsageRecord["provider"] | undefined {
  const lower = name.trim().toLowerCase();
  if (lower === "") return undefined;
  if (lower === "aws" || lower.startsWith("amazon")) return "aws";
  if (lower === "microsoft" || lower.startsWith("azure") || lower.startsWith("microsoft")) return "azure";
  if (lower.startsWith("google") || lower === "gcp") return "gcp";
  if (lower.startsWith("oracle") || lower === "oci") return "oci";
  if (lower.startsWith("ibm")) return "ibm";
  if (lower.startsWith("alibaba") || lower.startsWith("aliyun")) return "alibaba";
  return "other";
}

/** An `other` provider's ids carry its name (`Vercel:prj_shop`), so two providers' ids cannot meet. */
function qualifiedAccountId(provider: UsageRecord["provider"], providerName: string, id: string): string {
  return provider === "other" && id.trim() !== "" ? `${providerName.trim()}:${id.trim()}` : id;
}

/** A pack cloud named as host; "Not Applicable", the provider itself or another long-tail name is no host. */
function focusHostOf(hostName: string, provider: UsageRecord["provider"] | undefined): PackProvider | undefined {
  if (provider === undefined || isPackProvider(provider)) return undefined;
  const host = focusProviderOf(hostName);
  return host !== undefined && isPackProvider(host) ? host : undefined;
}

/**
 * Share of an allocated charge's origin quantity that is its own. FOCUS 1.3 requires allocated
 * charges to split summable columns (costs and quantities) and repeat non-summable ones (unit
 * prices) of the origin charge (DataGeneratorCalculatedSplitCostAllocationHandling). A generator
 * that splits the cost but repeats the origin's quantity shows it: PricingQuantity × ListUnitPrice
 * then exceeds ListCost, and the quantity is scaled by ListCost ÷ (PricingQuantity × ListUnitPrice).
 * 1 when the columns are missing or agree.
 */
export function allocatedQuantityShare(pricingQuantity: number | undefined, listUnitPrice: number | undefined, listCost: number | undefined): number {
  if (pricingQuantity === undefined || listUnitPrice === undefined || listCost === undefined) return 1;
  const repeated = pricingQuantity * listUnitPrice;
  if (!(repeated > 0) || listCost < 0) return 1;
  const share = listCost / repeated;
  return share < 0.999 ? share : 1;
}

type FocusFacts = {
  serviceName: string;
  description: string;
  quantity: number;
  unit: ParsedUnit;
  unitText: string;
  periodStartMs: number;
  usageType: string;
};

type Decision = { status: "measures"; measures: Measure[] } | { status: "unsupported"; reason: UnsupportedReason; detail: string };

const awsSsdServices = /DynamoDB|Elastic File System|EFS|OpenSearch|DocumentDB|Neptune|FSx|MemoryDB/;
/** Services whose storage CCF's AWS list classifies as HDD (S3 and CloudWatch `TimedStorage-ByteHrs`, Glacier). */
const awsHddServices = /Simple Storage Service|AmazonS3|CloudWatch|Glacier/;
const descriptionInstancePattern =
  /\b((?:db\.|cache\.|ml\.)?[a-z][a-z0-9-]*\d[a-z0-9-]*\.(?:nano|micro|small|medium|large|\d*xlarge|metal))\b/;

/** AWS FOCUS rows without x_UsageType/SkuMeter: read the kind of usage from ChargeDescription. */
function decideAwsFromDescription(facts: FocusFacts, options: ClassifyOptions): Decision {
  const { description, quantity, unit, serviceName } = facts;
  const measures = (list: Measure[]): Decision => ({ status: "measures", measures: list });
  if (/Marketplace/i.test(description)) return { status: "unsupported", reason: "marketplace", detail: description };
  if (/Extended Support/i.test(description)) return { status: "unsupported", reason: "software-license", detail: description };
  if (/Mbps per .*instance-hour/i.test(description)) {
    return { status: "unsupported", reason: "surcharge-on-counted-usage", detail: description };
  }
  const usageTypeInText = /\b([A-Za-z0-9:-]+-Bytes)\b/.exec(description)?.[1];
  if (usageTypeInText) {
    return decideAwsUsage(
      {
        usageType: usageTypeInText,
        productCode: serviceName,
        pricingUnit: facts.unitText,
        amount: quantity,
        periodStartMs: facts.periodStartMs,
      },
      options,
    );
  }
  const hours = hoursOf(quantity, unit, facts.periodStartMs);
  if (hours !== undefined && unit.dimension !== "months") {
    if (/Fargate.*vCPU/i.test(description)) return measures([{ kind: "compute", quantity: hours, unit: "vcpu-hours" }]);
    if (/Fargate.*Memory/i.test(description)) return measures([{ kind: "memory", quantity: hours, unit: "gb-hours" }]);
    const instanceText = descriptionInstancePattern.exec(description)?.[1];
    const instanceType = instanceText ? awsInstanceTypeOf(instanceText) : undefined;
    if (instanceType && /instance[- ]hour|node[- ]hour|instance hour/i.test(description)) {
      const known = /Multi-AZ/i.test(description) ? { replicationHint: 2 } : {};
      return measures(instanceMeasures("aws", instanceType, hours, known, options));
    }
  }
  if (unit.dimension === "vcpu-hours") return measures([{ kind: "compute", quantity: quantity * unit.multiplier, unit: "vcpu-hours" }]);
  if (/^acu-h/i.test(facts.unitText)) return measures([{ kind: "compute", quantity: quantity * 0.25, unit: "vcpu-hours" }]);
  if (unit.dimension === "gb-seconds" || (/Lambda/.test(serviceName) && unit.dimension === "seconds" && /Compute/i.test(description))) {
    // Descriptions do not say x86 or Arm ("AWS Lambda - Total Compute - US West (Oregon)-Tier-1").
    return measures(lambdaMeasures((quantity * unit.multiplier) / 3600, /\bARM\b|Arm Price|Graviton/i.test(description)));
  }
  if (unit.dimension === "gb-months" || unit.dimension === "tb-months" || unit.dimension === "gb-hours") {
    const gibHours = gibHoursOf(quantity, unit, facts.periodStartMs) ?? 0;
    const backupOrArchive = /snapshot|Infrequent|Glacier|Archive|backup|Magnetic|Cold HDD|Throughput Optimized HDD/i.test(description);
    const ssd = !backupOrArchive && (/\b(?:gp2|gp3|io1|io2|SSD|Provisioned IOPS)\b/i.test(description) || awsSsdServices.test(serviceName));
    const hdd = !ssd && (backupOrArchive || awsHddServices.test(serviceName));
    const measure: Measure = {
      kind: "storage",
      quantity: tbHoursOfGibHours(gibHours),
      unit: "tb-hours",
    };
    if (ssd || hdd) measure.storageClass = ssd ? "ssd" : "hdd";
    if (/Multi-AZ/i.test(description)) measure.replicationHint = 2;
    return measures([measure]);
  }
  if (unit.dimension === "gb" || unit.dimension === "tb") {
    const transfer = awsTransferFromDescription(serviceName, description);
    if (transfer === "network") return measures([{ kind: "network", quantity: gibOf(quantity, unit) ?? 0, unit: "gb" }]);
    if (transfer !== undefined) return { status: "unsupported", reason: transfer, detail: description };
  }
  if (unit.dimension === "unknown") {
    return {
      status: "unsupported",
      reason: "unit-not-recognized",
      detail: `unit "${facts.unitText}" on ${description || serviceName}`,
    };
  }
  return measures([otherMeasure(quantity * unit.multiplier)]);
}

/**
 * AWS transfer from its description: "<region> data transfer to <region>" (inter-region) and
 * "regional data transfer - in/out/between EC2 AZs" are network; "data transfer out of <region> to
 * CloudFront" and CloudFront's own "data transfer out" are CDN delivery; any other "data transfer
 * out" is internet egress; "data transfer in" and "… from <region>" are ingress (counted at the sender).
 */
function awsTransferFromDescription(serviceName: string, description: string): "network" | "internet-egress" | "cdn-delivery" | undefined {
  if (/data transfer in\b|data transfer from|in to /i.test(description)) return undefined;
  if (/CloudFront/i.test(serviceName) || /to CloudFront/i.test(description))
    return /data transfer/i.test(description) ? "cdn-delivery" : undefined;
  if (/data transfer to |regional data transfer/i.test(description)) return "network";
  if (/data transfer out/i.test(description)) return "internet-egress";
  return undefined;
}

/** `Premium SSD Managed Disks - P6 LRS - US East 2` → subcategory, meter name (region dropped). */
function azureMeterFromDescription(description: string): {
  subCategory: string;
  meterName: string;
} {
  const segments = description.split(" - ").map((segment) => segment.trim());
  const last = segments[segments.length - 1] ?? "";
  if (segments.length > 2 && (azureRegionCodeOf(last) !== undefined || /America|Europe|Asia|All Regions|Zone \d/i.test(last))) {
    segments.pop();
  }
  return {
    subCategory: segments[0] ?? "",
    meterName: segments.slice(1).join(" ") || (segments[0] ?? ""),
  };
}

/** FOCUS units → the GCP export's base units, so GCP rules can be reused. */
function gcpUnitOf(unit: ParsedUnit, quantity: number): { usageUnit: string; amount: number } {
  const amount = quantity * unit.multiplier;
  switch (unit.dimension) {
    case "seconds":
      return { usageUnit: "seconds", amount };
    case "hours":
    case "vcpu-hours":
      return { usageUnit: "hour", amount };
    case "gb-months":
      return { usageUnit: "gibibyte month", amount };
    case "gb-hours":
      return { usageUnit: "gibibyte hour", amount };
    case "gb-seconds":
      return { usageUnit: "gibibyte second", amount };
    case "byte-seconds":
      return { usageUnit: "byte-seconds", amount };
    case "gb":
      return { usageUnit: "gibibyte", amount };
    case "tb":
      return { usageUnit: "tebibyte", amount };
    case "bytes":
      return { usageUnit: "bytes", amount };
    default:
      return { usageUnit: unit.text, amount };
  }
}

export function createFocusClassifier(header: readonly string[], options: ClassifyOptions = {}): RowClassifier {
  const c = resolveColumns(header, focusColumns);
  const missing = missingColumns(c, focusColumns, focusRequiredFields);
  if (missing.length > 0) throw new Error(`not a FOCUS header: missing ${missing.join(", ")}`);
  const includeTags = options.includeTags ?? true;
  const includeResourceIds = options.includeResourceIds ?? true;
  const window = options.timeWindow ?? usageTimeWindow();
  const used = usedColumnsOf(c).filter((column) => (includeTags || column !== c.tags) && (includeResourceIds || column !== c.resourceId));
  const get = (row: BillingRow, field: FocusField): unknown => {
    const column = c[field];
    return column === undefined ? undefined : row[column];
  };

  function decide(provider: UsageRecord["provider"], host: PackProvider | undefined, facts: FocusFacts, row: BillingRow): Decision {
    if (!isPackProvider(provider)) {
      return decideLongTailUsage({
        provider,
        hosted: host !== undefined,
        serviceCategory: textOf(get(row, "serviceCategory")),
        serviceSubcategory: textOf(get(row, "serviceSubcategory")),
        description: facts.description,
        quantity: facts.quantity,
        unit: facts.unit,
        unitText: facts.unitText,
        periodStartMs: facts.periodStartMs,
      });
    }
    if (provider === "aws") {
      const usageType = textOf(get(row, "awsUsageType")) || textOf(get(row, "skuMeter"));
      if (usageType !== "") {
        return decideAwsUsage(
          {
            usageType,
            productCode: textOf(get(row, "awsServiceCode")) || facts.serviceName,
            pricingUnit: facts.unitText,
            amount: facts.quantity,
            periodStartMs: facts.periodStartMs,
          },
          options,
        );
      }
      return decideAwsFromDescription(facts, options);
    }
    if (provider === "azure") {
      const fromDescription = azureMeterFromDescription(facts.description);
      const meterSubCategory = textOf(get(row, "azureMeterSubcategory")) || fromDescription.subCategory;
      const meterName = textOf(get(row, "azureMeterName")) || fromDescription.meterName;
      const meterCategory =
        textOf(get(row, "azureMeterCategory")) ||
        (/^Virtual Machines\b/.test(fromDescription.subCategory) ? "Virtual Machines" : facts.serviceName);
      const additionalInfo = jsonObjectOf(get(row, "azureSkuDetails")) ?? jsonObjectOf(get(row, "skuPriceDetails"));
      return decideAzureMeter(
        {
          meterCategory,
          meterSubCategory,
          meterName,
          unit: facts.unit,
          quantity: facts.quantity,
          periodStartMs: facts.periodStartMs,
          ...(additionalInfo ? { additionalInfo } : {}),
        },
        options,
      );
    }
    const { usageUnit, amount } = gcpUnitOf(facts.unit, facts.quantity);
    return decideGcpSku(
      {
        service: facts.serviceName,
        sku: textOf(get(row, "skuMeter")) || facts.description,
        usageUnit,
        amount,
        periodStartMs: facts.periodStartMs,
      },
      options,
    );
  }

  function regionOf(provider: UsageRecord["provider"], host: PackProvider | undefined, row: BillingRow): string {
    if (host !== undefined) return hostedRegion(host, regionOf(host, undefined, row));
    const regionId = textOf(get(row, "regionId"));
    if (regionId !== "") return provider === "azure" ? (azureRegionCodeOf(regionId) ?? regionId) : regionId;
    const regionName = textOf(get(row, "regionName"));
    if (provider === "aws") return awsRegionFromLongName(regionName) ?? regionName;
    if (provider === "azure") return azureRegionCodeOf(regionName) ?? "";
    return isPackProvider(provider) ? regionName : regionName.trim().toLowerCase();
  }

  /**
   * Account, period, service and region of a line. The account is SubAccountId (AWS account, Azure
   * subscription, GCP project), else BillingAccountId, normalized by the provider's rules
   * (account-ids.ts); BillingAccountId also becomes `billingAccountId`. An `other` provider's ids
   * are prefixed with its name (`Vercel:team_abc`).
   */
  function lineBaseOf(
    provider: UsageRecord["provider"] | undefined,
    host: PackProvider | undefined,
    providerName: string,
    row: BillingRow,
    lineNumber: number | undefined,
    costAmount: number,
    currency: string | undefined,
  ): BuiltLineBase {
    if (!provider) throw new RowValueError("ServiceProviderName (ProviderName before FOCUS 1.3) is empty");
    const startMs = requiredTimestampMs(get(row, "chargePeriodStart"), "ChargePeriodStart", window);
    const endMs = optionalTimestampMs(get(row, "chargePeriodEnd"), "ChargePeriodEnd", window);
    const subAccount = qualifiedAccountId(provider, providerName, textOf(get(row, "subAccountId")));
    const billingText = qualifiedAccountId(provider, providerName, textOf(get(row, "billingAccountId")));
    const billing = optionalBillingAccountId(provider, billingText);
    let account: { id: string; warning?: string };
    if (subAccount.trim() !== "") account = canonicalAccountId(provider, subAccount);
    else if (billingText.trim() !== "") account = canonicalBillingAccountId(provider, billingText);
    else throw new RowValueError("SubAccountId and BillingAccountId are empty");
    const base: LineBase = {
      provider,
      accountId: account.id,
      periodStart: isoTextOf(startMs),
      periodStartMs: startMs,
      periodHours: periodHoursBetween(startMs, endMs, 1),
      service: canonicalService(provider, textOf(get(row, "serviceName"))) || "unknown",
      region: regionOf(provider, host, row),
      costAmount,
    };
    return completeLineBase(
      base,
      {
        billingAccountId: billing?.id,
        usageType: textOf(get(row, "awsUsageType")) || textOf(get(row, "skuMeter")) || textOf(get(row, "azureMeterName")),
        currency,
        resourceId: includeResourceIds ? textOf(get(row, "allocatedResourceId")) || textOf(get(row, "resourceId")) : undefined,
        tags: includeTags ? tagsOf(row) : undefined,
        source: options.source,
        lineNumber,
      },
      account.warning,
      billing?.warning,
    );
  }

  /** An allocated charge's tags: the origin's with AllocatedTags over them (1.3 requires the origin's keys on both). */
  function tagsOf(row: BillingRow): Record<string, string> | undefined {
    const tags = stringMapOf(get(row, "tags"));
    const allocated = stringMapOf(get(row, "allocatedTags"));
    return allocated === undefined ? tags : { ...tags, ...allocated };
  }

  type MoneyLine = {
    provider: UsageRecord["provider"] | undefined;
    host: PackProvider | undefined;
    providerName: string;
    row: BillingRow;
    lineNumber: number | undefined;
    costAmount: number;
    currency: string | undefined;
  };

  /** A line that carries no energy, with its cost-only record (not a closure per line: usage lines are millions). */
  function unsupported(line: MoneyLine, reason: UnsupportedReason, detail: string): ClassifyOutcome {
    const { provider, host, providerName, row, lineNumber, costAmount, currency } = line;
    return unsupportedOutcome(
      reason,
      detail,
      costAmount,
      currency,
      attemptLineBase(() => lineBaseOf(provider, host, providerName, row, lineNumber, costAmount, currency)),
    );
  }

  function classify(row: BillingRow, lineNumber?: number): ClassifyOutcome {
    try {
      const costAmount = optionalNumberOf(get(row, "billedCost"), "BilledCost", MAX_COST_MAGNITUDE) ?? 0;
      const currency = textOf(get(row, "billingCurrency")) || undefined;
      const serviceName = textOf(get(row, "serviceName"));
      const providerName = textOf(get(row, "providerName"));
      const provider = focusProviderOf(providerName);
      const host = focusHostOf(textOf(get(row, "hostProviderName")), provider);
      const line: MoneyLine = { provider, host, providerName, row, lineNumber, costAmount, currency };
      const category = textOf(get(row, "chargeCategory"));
      if (category.toLowerCase() !== "usage") {
        if (category === "") throw new RowValueError("ChargeCategory is empty");
        const reason = moneyOnlyCategories[category.toLowerCase()];
        if (!reason) throw new RowValueError(`unknown ChargeCategory "${category}"`);
        return unsupported(line, reason, `${category} ${serviceName}`.trim());
      }
      if (textOf(get(row, "chargeClass")).toLowerCase() === "correction") return unsupported(line, "correction", serviceName);
      if (textOf(get(row, "commitmentDiscountStatus")).toLowerCase() === "unused") {
        return unsupported(line, "unused-commitment", serviceName);
      }
      if (!provider) throw new RowValueError("ServiceProviderName (ProviderName before FOCUS 1.3) is empty");
      // A seller's charge on a cloud's invoice (FOCUS 1.3: the seller is the service provider) is marketplace software.
      const issuer = focusProviderOf(textOf(get(row, "invoiceIssuerName")));
      if (issuer !== undefined && isPackProvider(issuer) && issuer !== provider) {
        return unsupported(line, "marketplace", `${providerName} on the ${textOf(get(row, "invoiceIssuerName"))} invoice`);
      }

      let quantity = optionalNumberOf(get(row, "consumedQuantity"), "ConsumedQuantity");
      let unitText = textOf(get(row, "consumedUnit"));
      if (quantity === undefined) {
        quantity = optionalNumberOf(get(row, "pricingQuantity"), "PricingQuantity");
        unitText = textOf(get(row, "pricingUnit"));
      }
      if (quantity === undefined) throw new RowValueError("ConsumedQuantity and PricingQuantity are empty on a Usage row");
      if (textOf(get(row, "allocatedResourceId")) !== "") {
        quantity *= allocatedQuantityShare(
          optionalNumberOf(get(row, "pricingQuantity"), "PricingQuantity"),
          optionalNumberOf(get(row, "listUnitPrice"), "ListUnitPrice"),
          optionalNumberOf(get(row, "listCost"), "ListCost", MAX_COST_MAGNITUDE),
        );
      }
      // A negative quantity (a correction of earlier usage) nets against the usage it corrects: decisions are linear in the quantity.
      const startMs = requiredTimestampMs(get(row, "chargePeriodStart"), "ChargePeriodStart", window);
      const description = textOf(get(row, "chargeDescription"));
      const decision = decide(
        provider,
        host,
        {
          serviceName,
          description,
          quantity,
          unit: parseUnit(unitText),
          unitText,
          periodStartMs: startMs,
          usageType: "",
        },
        row,
      );
      if (decision.status === "unsupported") return unsupported(line, decision.reason, decision.detail);

      const { base, warning } = lineBaseOf(provider, host, providerName, row, lineNumber, costAmount, currency);
      const outcome: ClassifiedUsage = {
        status: "usage",
        records: recordsOf(base, decision.measures),
      };
      if (warning !== undefined) outcome.warning = warning;
      return outcome;
    } catch (error) {
      if (error instanceof RowValueError) return rowErrorOf(error);
      throw error;
    }
  }

  const numericColumns = [c.consumedQuantity, c.pricingQuantity, c.billedCost].filter((column): column is string => column !== undefined);
  return { format: "focus", usedColumns: used, numericColumns, classify };
}
