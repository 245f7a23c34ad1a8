import type { LongTailProvider } from "@canopy/methodology";
import type { UnsupportedReason } from "./types";
import { gibHoursOf, gibOf, hoursOf, tbHoursOfGibHours, type ParsedUnit } from "./units";
import { otherMeasure, type Measure } from "./usage-records";

/** What a FOCUS row of a provider without a pack model says about its usage. */
export type LongTailFacts = {
  provider: LongTailProvider;
  /** Whether the row names a pack cloud as its host (FOCUS 1.3 `HostProviderName`). */
  hosted: boolean;
  serviceCategory: string;
  serviceSubcategory: string;
  description: string;
  quantity: number;
  unit: ParsedUnit;
  unitText: string;
  periodStartMs: number;
};

export type LongTailDecision =
  | { status: "measures"; measures: Measure[] }
  | { status: "unsupported"; reason: UnsupportedReason; detail: string };

const measures = (list: Measure[]): LongTailDecision => ({ status: "measures", measures: list });
const unsupported = (reason: UnsupportedReason, detail: string): LongTailDecision => ({ status: "unsupported", reason, detail });

/**
 * OCI bills compute in OCPUs: "an OCPU … for x86 … corresponds to two hardware execution threads,
 * known as vCPUs"; on Arm (Ampere A1, A2) one OCPU is one vCPU
 * (https://docs.oracle.com/en-us/iaas/Content/Compute/References/computeshapes.htm).
 */
function ociDecision(facts: LongTailFacts): LongTailDecision | undefined {
  if (/^ocpu\b/i.test(facts.unitText.trim())) {
    const hours = hoursOf(facts.quantity, { dimension: "hours", multiplier: facts.unit.multiplier, text: "hours" }, facts.periodStartMs) ?? 0;
    const arm = /\bA[12]\b|Ampere/i.test(facts.description);
    return measures([{ kind: "compute", quantity: hours * (arm ? 1 : 2), unit: "vcpu-hours" }]);
  }
  // Block Volume performance units buy IOPS for capacity billed on its own line.
  if (/Performance Units/i.test(facts.description)) return unsupported("surcharge-on-counted-usage", facts.description);
  return undefined;
}

const category = (facts: LongTailFacts, pattern: RegExp) => pattern.test(facts.serviceCategory) || pattern.test(facts.serviceSubcategory);

/**
 * Usage of a provider without a pack model, by FOCUS `ConsumedUnit` and `ServiceCategory`
 * (docs/methodology.md section 2.12). Without a host cloud, an `other` provider's rows are
 * spend-based: Canopy knows neither its data centres nor its hardware.
 */
export function decideLongTailUsage(facts: LongTailFacts): LongTailDecision {
  const detail = facts.description || facts.serviceSubcategory || facts.serviceCategory;
  if (facts.provider === "other" && !facts.hosted) return unsupported("provider-not-supported", detail);
  if (facts.provider === "oci") {
    const decided = ociDecision(facts);
    if (decided) return decided;
  }
  const { unit, quantity } = facts;
  if (unit.dimension === "vcpu-hours") return measures([{ kind: "compute", quantity: quantity * unit.multiplier, unit: "vcpu-hours" }]);
  if (unit.dimension === "gb-hours" || unit.dimension === "gb-months" || unit.dimension === "tb-months") {
    const gibHours = gibHoursOf(quantity, unit, facts.periodStartMs) ?? 0;
    if (category(facts, /Storage|Database/i)) return measures([{ kind: "storage", quantity: tbHoursOfGibHours(gibHours), unit: "tb-hours" }]);
    if (unit.dimension === "gb-hours" && (category(facts, /Compute/i) || /Memory/i.test(facts.description))) {
      return measures([{ kind: "memory", quantity: gibHours, unit: "gb-hours" }]);
    }
  }
  if (unit.dimension === "hours" && category(facts, /^Compute$|Virtual Machines|Servers/i)) {
    const hours = hoursOf(quantity, unit, facts.periodStartMs) ?? 0;
    return measures([{ kind: "compute", quantity: hours, unit: "instance-hours" }]);
  }
  if ((unit.dimension === "gb" || unit.dimension === "tb" || unit.dimension === "bytes") && category(facts, /Network/i)) {
    return unsupported("internet-egress", `${detail} (${(gibOf(quantity, unit) ?? 0).toPrecision(4)} GB)`);
  }
  if (unit.dimension === "unknown") return unsupported("unit-not-recognized", `unit "${facts.unitText}" on ${detail}`);
  return measures([otherMeasure(quantity * unit.multiplier)]);
}
