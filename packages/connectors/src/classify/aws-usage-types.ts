import { splitAwsUsageType } from "./regions";
import type { ClassifyOptions, UnsupportedReason } from "./types";
import { gibHoursOf, gibOf, parseUnit, tbHoursOfGibHours, type ParsedUnit } from "./units";
import { instanceMeasures, otherMeasure, type Measure } from "./usage-records";

/**
 * What an AWS usage line measures, decided from its usage type (`USE2-BoxUsage:m5.large`), product code
 * and pricing unit. Shared by CUR (legacy and 2.0) and FOCUS rows from AWS (`x_UsageType` / `SkuMeter`).
 *
 * Unlike CCF, storage quantities are read in the pricing unit the CUR states (GB-Mo for `*ByteHrs`
 * usage types), and surcharges that ride on instance hours already counted (`EBSOptimized:`, EMR's
 * `BoxUsage` fee, `HostBoxUsage`, `ECS-EC2-*`) are reported as unsupported instead of counted twice.
 * Only inter-region and inter-AZ transfer is network (docs/methodology.md §2.7): internet egress and
 * CloudFront delivery are reported as not modelled, and so is a pricing unit Canopy does not know.
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
  { status: "measures"; measures: Measure[] } | { status: "unsupported"; reason: UnsupportedReason; detail: string };

/** Surcharges on instance hours that are billed (and counted) on another line. */
const surchargePatterns: readonly RegExp[] = [/^EBSOptimized:/, /^HostBoxUsage/, /(?:^|-)ECS-EC2-/, /(?:^|-)EMR-EKS-EC2-/];
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
/**
 * Usage types CCF's AWS table classifies as HDD (`hddUsageTypeSuffixes` in
 * ccf/usage_classification_aws_cur.json: magnetic EBS, snapshots, S3 and EFS storage classes, RDS
 * magnetic and backup storage). Any other storage line has no stated medium: the record leaves
 * `storageClass` out and the estimator's assumed medium is flagged as a default.
 */
const hddUsageTypePatterns: readonly RegExp[] = [
  /VolumeUsage(?:\.st1|\.sc1|\.standard)?$/,
  /TimedStorage|ByteHrs|SmObjects|EarlyDelete/,
  /RDS:StorageUsage$/,
  /Redshift:PaidSnapshots$/,
  /DurableApplicationBackups$/,
  /QS-Enterprise-SPICE$/,
];

/** Inter-region transfer (`USE1-USW2-AWS-Out-Bytes`, S3's `USW2-AWS-Out-Bytes`) and inter-AZ transfer. */
const interRegionOutPattern = /^AWS-Out-Bytes$/;
const interZonePattern = /^DataTransfer-Regional-Bytes$|^DataTransfer-xAZ-Out-Bytes$/;
/** Origin fetches to and from CloudFront edges: CDN delivery. */
const cdnPattern = /^CloudFront-(?:Out|In)-Bytes$/;
/** Anything else leaving a region: the internet (`DataTransfer-Out-Bytes`) or an unnamed destination. */
const egressPattern = /(?:Out|Egress)-O?Bytes$/;
const networkInPattern = /In-Bytes|DataTransfer-xAZ-In|-Ingress/;
const storageUsagePattern = /VolumeUsage|SnapshotUsage|ByteHrs|StorageUsage|Storage$|-Storage|BackupUsage|TimedStorage/;

/**
 * GiB-seconds of Lambda memory per vCPU-second: "At 1,769 MB, a function has the equivalent of one
 * vCPU" (https://docs.aws.amazon.com/lambda/latest/dg/resource-model.html), and the billed GB
 * are MB ÷ 1024 ("512MB/1024", https://aws.amazon.com/lambda/pricing/), so 1,769 ÷ 1024 billed GB.
 */
const LAMBDA_BILLED_GIB_PER_VCPU = 1769 / 1024;
/** Lambda `-ARM` usage types run on arm64 (Graviton2 at launch, see lambdaMeasures): the estimator's platform key. */
export const LAMBDA_ARM_PLATFORM = "lambda-arm64";
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

/** SSD or HDD when the usage type (or CCF's service list) says so; undefined when nothing does. */
function storageClassOf(productCode: string, base: string): "ssd" | "hdd" | undefined {
  if (ssdUsageTypePatterns.some((pattern) => pattern.test(base))) return "ssd";
  const backupOrArchive = hddOverridePatterns.some((pattern) => pattern.test(base));
  // CCF's order: an SSD service (EFS, DynamoDB…) is SSD unless the line is a backup or archive tier.
  if (ssdServices.has(productCode) && !backupOrArchive) return "ssd";
  return backupOrArchive || hddUsageTypePatterns.some((pattern) => pattern.test(base)) ? "hdd" : undefined;
}

function storageMeasure(facts: AwsUsageFacts, base: string, unit: ParsedUnit): Measure | undefined {
  const gibHours = gibHoursOf(facts.amount, unit, facts.periodStartMs);
  if (gibHours === undefined) return undefined;
  const measure: Measure = {
    kind: "storage",
    quantity: tbHoursOfGibHours(gibHours),
    unit: "tb-hours",
  };
  const storageClass = storageClassOf(facts.productCode, base);
  if (storageClass) measure.storageClass = storageClass;
  if (/Multi-AZ/i.test(base)) measure.replicationHint = 2;
  return measure;
}

/**
 * What a transfer line is: network (inter-region, inter-AZ), out of the network model (internet egress,
 * CDN delivery), or undefined for ingress and other data quantities (counted at the sender, or not transfer).
 */
export function awsTransferOf(productCode: string, base: string): "network" | "internet-egress" | "cdn-delivery" | undefined {
  if (networkInPattern.test(base)) return undefined;
  if (productCode === "AmazonCloudFront" || cdnPattern.test(base)) return /Bytes$/.test(base) ? "cdn-delivery" : undefined;
  if (interRegionOutPattern.test(base) || interZonePattern.test(base)) return "network";
  if (egressPattern.test(base)) return "internet-egress";
  return undefined;
}

/** `CPUCredits:t3`, `CPUCredits:db.t3` → `t3`. */
function creditFamilyOf(base: string): string | undefined {
  return /^CPUCredits:(?:db\.|cache\.)?([a-z][a-z0-9]*)$/.exec(base)?.[1];
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

  // T Unlimited surplus credits, billed in vCPU-hours: CPU time at 100 % above the baseline that the
  // instance-hours line already counts (docs/methodology.md §2.1, "CPU credits").
  const creditFamily = creditFamilyOf(base);
  if (creditFamily !== undefined) {
    const vcpuHours =
      unit.dimension === "vcpu-hours" || unit.dimension === "hours" || unit.dimension === "count"
        ? facts.amount * unit.multiplier
        : undefined;
    if (vcpuHours === undefined) return notRecognized(facts);
    return measures([
      {
        kind: "compute",
        quantity: vcpuHours,
        unit: "surplus-vcpu-hours",
        instanceType: creditFamily,
      },
    ]);
  }

  // Instance hours (EC2, RDS, ElastiCache, OpenSearch, Redshift, SageMaker, MSK…).
  if (unit.dimension === "hours" || unit.dimension === "seconds") {
    const instanceText = instanceTextOf(base);
    const instanceType =
      (instanceText ? awsInstanceTypeOf(instanceText) : undefined) ??
      (facts.instanceType && /Usage|Node|Instance/.test(base) ? awsInstanceTypeOf(facts.instanceType) : undefined);
    if (instanceType) {
      // EMR, EKS-on-EC2 and similar bill a per-instance-hour fee; the EC2 line carries the instance itself.
      if (facts.productCode === "ElasticMapReduce" || facts.productCode === "AmazonEMR") {
        return {
          status: "unsupported",
          reason: "surcharge-on-counted-usage",
          detail: facts.usageType,
        };
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
    const gibHours = gibHoursOf(facts.amount, unit.dimension === "gb-seconds" ? unit : parseUnit("GB-Seconds"), facts.periodStartMs) ?? 0;
    return measures(lambdaMeasures(gibHours, /-ARM$/.test(base)));
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
    const transfer = awsTransferOf(facts.productCode, base);
    if (transfer === "network") return measures([{ kind: "network", quantity: gibOf(facts.amount, unit) ?? 0, unit: "gb" }]);
    if (transfer !== undefined) return { status: "unsupported", reason: transfer, detail: facts.usageType };
  }

  if (unit.dimension === "unknown") return notRecognized(facts);
  return measures([otherMeasure(facts.amount * unit.multiplier)]);
}

function notRecognized(facts: AwsUsageFacts): AwsUsageDecision {
  return {
    status: "unsupported",
    reason: "unit-not-recognized",
    detail: `unit "${facts.pricingUnit}" on ${facts.usageType}`,
  };
}

/**
 * Lambda GiB-seconds as billed → vCPU-hours (1,769 MB per vCPU) and the memory itself. `-ARM` usage
 * types run on arm64 ("arm64 – 64-bit ARM architecture, for AWS Graviton processors", launched as
 * "AWS Lambda Functions Powered by AWS Graviton2 Processor",
 * https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html): the compute record names the
 * platform so the estimator uses Graviton2 coefficients; x86 Lambda's processor is not published.
 */
export function lambdaMeasures(gibHours: number, arm: boolean): Measure[] {
  const compute: Measure = {
    kind: "compute",
    quantity: gibHours / LAMBDA_BILLED_GIB_PER_VCPU,
    unit: "vcpu-hours",
  };
  if (arm) compute.instanceType = LAMBDA_ARM_PLATFORM;
  return [compute, { kind: "memory", quantity: gibHours, unit: "gb-hours" }];
}
