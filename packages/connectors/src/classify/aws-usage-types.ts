import { splitAwsUsageType } from "./regions";
import type { ClassifyOptions, UnsupportedReason } from "./types";
import { gbHoursOf, gbOf, GB_PER_TB, parseUnit, type ParsedUnit } from "./units";
import { instanceMeasures, otherMeasure, type Measure } from "./usage-records";

/**
 * What an AWS usage line measures, decided from its usage type (`USE2-BoxUsage:m5.large`), product code
 * and pricing unit. Shared by CUR (legacy and 2.0) and FOCUS rows from AWS (`x_UsageType` / `SkuMeter`).
 *
 * Unlike CCF, storage quantities are read in the pricing unit the CUR states (GB-Mo for `*ByteHrs`
 * usage types), and surcharges that ride on instance hours already counted (`EBSOptimized:`, EMR's
 * `BoxUsage` fee, `HostBoxUsage`, `ECS-EC2-*`) are reported as unsupported instead of counted twice.
 */
export type AwsUsageFacts = {
  usageType: string;
  productCode: string;
  pricingUnit: string;
  amount: number;
  periodStartMs: number;
  /** product/instanceType, product/vcpu, product/memory when the bill has them. */
  instanceType?: string;
  vcpus?: number;
  memoryGb?: number;
};

export type AwsUsageDecision =
  | { status: "measures"; measures: Measure[] }
  | { status: "unsupported"; reason: UnsupportedReason; detail: string };

/** Surcharges on instance hours that are billed (and counted) on another line. */
const surchargePatterns: readonly RegExp[] = [
  /^EBSOptimized:/,
  /^HostBoxUsage/,
  /(?:^|-)ECS-EC2-/,
  /(?:^|-)EMR-EKS-EC2-/,
  /^CPUCredits:/,
];
const licensePatterns: readonly RegExp[] = [/ExtendedSupport/i, /^SoftwareUsage/, /License/];

/** `BoxUsage:m5.large`, `InstanceUsage:db.r6g.xlarge`, `NodeUsage:cache.m5.large`, `Notebk:ml.t3.medium` → the part after the last colon. */
function instanceTextOf(base: string): string | undefined {
  const colon = base.lastIndexOf(":");
  return colon === -1 ? undefined : base.slice(colon + 1);
}
const instanceTypePattern =
  /^(?:db\.|cache\.|ml\.|kafka\.)?([a-z][a-z0-9-]*\d[a-z0-9-]*\.(?:nano|micro|small|medium|large|\d*xlarge|\d*xl|xlplus|metal(?:-\d+xl)?))(?:\.(?:elasticsearch|search))?$/i;

/** `db.r6g.xlarge` → `r6g.xlarge`; `m5.2xl` → `m5.2xlarge`; undefined when it is not an instance type. */
export function awsInstanceTypeOf(text: string): string | undefined {
  const match = instanceTypePattern.exec(text.trim());
  if (!match?.[1]) return undefined;
  const type = match[1].toLowerCase();
  return type.endsWith("xl") ? `${type}arge` : type;
}

const ssdUsageTypePatterns: readonly RegExp[] = [
  /VolumeUsage\.(?:gp2|gp3|io1|io2|piops)$/,
  /(?:GP2|GP3|PIOPS|IO1|IO2)-Storage/i,
  /Aurora:Storage(?:IO)?Usage$/,
  /Aurora:IO-OptimizedStorageUsage$/,
  /Storage\.SSD/i,
  /:SSD$/,
  /Kafka\.Storage\.GP2/,
  /TimedPITRStorage-ByteHrs$/,
];
/** Services whose storage sits on SSD (CCF's list, minus services billed in GB-Mo of HDD backups). */
const ssdServices = new Set([
  "AmazonDocDB",
  "AmazonDynamoDB",
  "AmazonEFS",
  "AmazonES",
  "AmazonOpenSearchService",
  "AmazonSimpleDB",
  "AmazonSageMaker",
  "AmazonMQ",
  "AmazonLightsail",
  "AmazonNeptune",
  "AmazonFSx",
  "AmazonKinesis",
  "AmazonMemoryDB",
]);
const hddOverridePatterns: readonly RegExp[] = [/Backup/i, /Snapshot/i, /IATimedStorage/, /ArchiveStorage/, /Glacier/i];

/** Transfer that leaves a region or crosses zones (ingress is counted at its sender). */
const networkOutPattern = /(?:Out|Regional|Egress)-Bytes$/;
const networkInPattern = /In-Bytes|DataTransfer-xAZ-In|-Ingress/;
const storageUsagePattern = /VolumeUsage|SnapshotUsage|ByteHrs|StorageUsage|Storage$|-Storage|BackupUsage|TimedStorage/;

/** GB-seconds of Lambda memory per vCPU: Lambda gives one vCPU per 1,769 MB configured. */
const LAMBDA_GB_PER_VCPU = 1.769;
/** One Glue DPU is 4 vCPUs and 16 GB. */
const GLUE_VCPUS_PER_DPU = 4;
/** One Aurora Capacity Unit is ~2 GiB with proportional CPU; CCF counts 0.25 vCPU per ACU. */
const AURORA_VCPUS_PER_ACU = 0.25;

function effectiveUnit(pricingUnit: string, base: string): ParsedUnit {
  if (pricingUnit.trim() !== "") return parseUnit(pricingUnit);
  // Free-tier and RI-covered lines often leave pricing/unit empty: infer it from the usage type.
  if (/Lambda(?:-Edge|-Provisioned)?-GB-Second/.test(base)) return parseUnit("GB-Seconds");
  if (storageUsagePattern.test(base)) return parseUnit("GB-Mo");
  if (/Bytes$/.test(base)) return parseUnit("GB");
  if (/Usage:|Hours|Hrs/.test(base)) return parseUnit("Hrs");
  return parseUnit("");
}

function storageMeasure(facts: AwsUsageFacts, base: string, unit: ParsedUnit): Measure | undefined {
  const gbHours = gbHoursOf(facts.amount, unit, facts.periodStartMs);
  if (gbHours === undefined) return undefined;
  const ssd =
    ssdUsageTypePatterns.some((pattern) => pattern.test(base)) ||
    (ssdServices.has(facts.productCode) && !hddOverridePatterns.some((pattern) => pattern.test(base)));
  const measure: Measure = {
    kind: "storage",
    quantity: gbHours / GB_PER_TB,
    unit: "tb-hours",
    storageClass: ssd ? "ssd" : "hdd",
  };
  if (/Multi-AZ/i.test(base)) measure.replicationHint = 2;
  return measure;
}

export function decideAwsUsage(facts: AwsUsageFacts, options: ClassifyOptions): AwsUsageDecision {
  const { base } = splitAwsUsageType(facts.usageType);
  const measures = (list: Measure[]): AwsUsageDecision => ({ status: "measures", measures: list });

  if (surchargePatterns.some((pattern) => pattern.test(base))) {
    return { status: "unsupported", reason: "surcharge-on-counted-usage", detail: facts.usageType };
  }
  if (licensePatterns.some((pattern) => pattern.test(base))) {
    return { status: "unsupported", reason: "software-license", detail: facts.usageType };
  }
  const unit = effectiveUnit(facts.pricingUnit, base);

  // Instance hours (EC2, RDS, ElastiCache, OpenSearch, Redshift, SageMaker, MSK…).
  if (unit.dimension === "hours" || unit.dimension === "seconds") {
    const instanceText = instanceTextOf(base);
    const instanceType =
      (instanceText ? awsInstanceTypeOf(instanceText) : undefined) ??
      (facts.instanceType && /Usage|Node|Instance/.test(base) ? awsInstanceTypeOf(facts.instanceType) : undefined);
    if (instanceType) {
      // EMR, EKS-on-EC2 and similar bill a per-instance-hour fee; the EC2 line carries the instance itself.
      if (facts.productCode === "ElasticMapReduce" || facts.productCode === "AmazonEMR") {
        return { status: "unsupported", reason: "surcharge-on-counted-usage", detail: facts.usageType };
      }
      const hours = unit.dimension === "seconds" ? (facts.amount * unit.multiplier) / 3600 : facts.amount * unit.multiplier;
      const known: { vcpus?: number; memoryGb?: number; replicationHint?: number } = {};
      // product/vcpu describes the billed instance type; trust it only when it is the same type.
      if (facts.vcpus !== undefined && (!facts.instanceType || awsInstanceTypeOf(facts.instanceType) === instanceType)) {
        known.vcpus = facts.vcpus;
        if (facts.memoryGb !== undefined) known.memoryGb = facts.memoryGb;
      }
      if (/Multi-AZ/i.test(base)) known.replicationHint = 2;
      return measures(instanceMeasures("aws", instanceType, hours, known, options));
    }
  }

  if (/Fargate-vCPU-Hours|EKS-.*vCPU-Hours|vCPU-Hours:/.test(base) || unit.dimension === "vcpu-hours") {
    return measures([{ kind: "compute", quantity: facts.amount * unit.multiplier, unit: "vcpu-hours" }]);
  }
  if (/Fargate-GB-Hours|EKS-.*GB-Hours/.test(base)) {
    return measures([{ kind: "memory", quantity: facts.amount * unit.multiplier, unit: "gb-hours" }]);
  }
  if (/Lambda(?:-Edge|-Provisioned)?-GB-Second|Lambda-Provisioned-Concurrency/.test(base) || unit.dimension === "gb-seconds") {
    const gbHours = gbHoursOf(facts.amount, unit.dimension === "gb-seconds" ? unit : parseUnit("GB-Seconds"), facts.periodStartMs) ?? 0;
    return measures([
      { kind: "compute", quantity: gbHours / LAMBDA_GB_PER_VCPU, unit: "vcpu-hours" },
      { kind: "memory", quantity: gbHours, unit: "gb-hours" },
    ]);
  }
  if (/DPU-Hour/i.test(base) || /dpu-hour/i.test(facts.pricingUnit)) {
    return measures([{ kind: "compute", quantity: facts.amount * GLUE_VCPUS_PER_DPU, unit: "vcpu-hours" }]);
  }
  if (/Aurora:Serverless(?:V2)?Usage/.test(base) || /^acu-h/i.test(facts.pricingUnit)) {
    return measures([{ kind: "compute", quantity: facts.amount * AURORA_VCPUS_PER_ACU, unit: "vcpu-hours" }]);
  }

  if (unit.dimension === "gb-months" || unit.dimension === "tb-months" || unit.dimension === "gb-hours") {
    const storage = storageMeasure(facts, base, unit);
    if (storage) return measures([storage]);
  }

  if (unit.dimension === "gb" || unit.dimension === "tb" || unit.dimension === "bytes") {
    if (networkOutPattern.test(base) && !networkInPattern.test(base)) {
      return measures([{ kind: "network", quantity: gbOf(facts.amount, unit) ?? 0, unit: "gb" }]);
    }
  }

  return measures([otherMeasure(facts.amount * unit.multiplier)]);
}
