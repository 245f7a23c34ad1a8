/**
 * Throughput of the pure estimator on one core:
 *
 *   pnpm exec tsx scripts/bench-estimator.ts [records=1000000] [rounds=5]
 *
 * Builds ~1M realistic hourly records in memory (a mix of providers, regions, instance types,
 * storage, network, memory and GPU lines, some with measured utilization), runs one warm-up
 * pass, then times `estimate()` over all records several times and prints records/s.
 * Record construction is excluded from the timing; the checksum of the outputs keeps the JIT
 * from dropping the work.
 */
import { createEstimator, type UsageRecord } from "../src/index";

const recordCount = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 5);

// Deterministic pseudo-random numbers (mulberry32).
let seed = 0x2025_0001;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const awsRegions = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "eu-west-1",
  "eu-central-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "sa-east-1",
];
const azureRegions = ["eastus", "westeurope", "northeurope", "westus2", "southeastasia", "uksouth"];
const gcpRegions = ["us-central1", "europe-west4", "europe-west1", "asia-east1", "us-east4", "us"];
const awsTypes = [
  "m5.large",
  "m5.xlarge",
  "c5.2xlarge",
  "r5.large",
  "t3.micro",
  "t3.medium",
  "m6g.large",
  "m7g.xlarge",
  "c7i.4xlarge",
  "m6i.2xlarge",
  "p3.2xlarge",
  "g4dn.xlarge",
  "r6i.large",
];
const azureTypes = [
  "Standard_D2s_v3",
  "Standard_D4s_v5",
  "Standard_E8s_v5",
  "Standard_B2s",
  "Standard_D2as_v5",
  "Standard_D4ps_v5",
  "Standard_D8s_v6",
  "Standard_F4s_v2",
];
const gcpTypes = [
  "n2-standard-4",
  "n2d-standard-8",
  "e2-standard-2",
  "e2-micro",
  "c2-standard-8",
  "n1-standard-4",
  "c3-standard-8",
  "n4-standard-4",
  "t2d-standard-4",
];

/**
 * Records are built as plain object literals with keys in schema order, the way `zod` parsing or
 * a connector's mapping produces them (object spread would give V8 objects that are slow to
 * read and measure the benchmark, not the estimator).
 */
function makeRecord(i: number): UsageRecord {
  const day = 1 + (i % 28);
  const month = 1 + (Math.floor(i / 28) % 12);
  const year = 2023 + (i % 3);
  const periodStart = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:00:00Z`;
  const roll = random();
  const provider = roll < 0.5 ? "aws" : roll < 0.75 ? "azure" : "gcp";
  const region = pick(
    provider === "aws" ? awsRegions : provider === "azure" ? azureRegions : gcpRegions,
  );
  const accountId = `acct-${i % 50}`;
  const kindRoll = random();
  if (kindRoll < 0.6) {
    const instanceType = pick(
      provider === "aws" ? awsTypes : provider === "azure" ? azureTypes : gcpTypes,
    );
    const service =
      provider === "aws"
        ? "AmazonEC2"
        : provider === "azure"
          ? "Virtual Machines"
          : "Compute Engine";
    const unit = provider === "gcp" ? "vcpu-hours" : "instance-hours";
    const quantity = provider === "gcp" ? 4 : 1;
    if (random() < 0.3) {
      return {
        provider,
        accountId,
        periodStart,
        periodHours: 1,
        service,
        region,
        kind: "compute",
        quantity,
        unit,
        instanceType,
        cpuUtilization: random(),
      };
    }
    return {
      provider,
      accountId,
      periodStart,
      periodHours: 1,
      service,
      region,
      kind: "compute",
      quantity,
      unit,
      instanceType,
    };
  }
  if (kindRoll < 0.8) {
    const s3 = provider === "aws" && random() < 0.5;
    const service = s3
      ? "AmazonS3"
      : provider === "aws"
        ? "AmazonEC2"
        : provider === "azure"
          ? "Storage"
          : "Cloud Storage";
    const usageType = s3
      ? "USE1-TimedStorage-ByteHrs"
      : provider === "azure"
        ? "LRS Data Stored"
        : "EBS:VolumeUsage.gp3";
    const storageClass = random() < 0.8 ? "ssd" : "hdd";
    return {
      provider,
      accountId,
      periodStart,
      periodHours: 1,
      service,
      region,
      kind: "storage",
      quantity: random() * 1000,
      unit: "gb-hours",
      usageType,
      storageClass,
    };
  }
  if (kindRoll < 0.9) {
    return {
      provider,
      accountId,
      periodStart,
      periodHours: 1,
      service: "Networking",
      region,
      kind: "network",
      quantity: random() * 50,
      unit: "gb",
    };
  }
  if (kindRoll < 0.97) {
    return {
      provider,
      accountId,
      periodStart,
      periodHours: 1,
      service: "Compute Engine",
      region,
      kind: "memory",
      quantity: 16,
      unit: "gb-hours",
    };
  }
  if (kindRoll < 0.99) {
    return {
      provider,
      accountId,
      periodStart,
      periodHours: 1,
      service: "Compute Engine",
      region,
      kind: "gpu",
      quantity: 1,
      unit: "gpu-hours",
      gpuModel: "Nvidia Tesla T4",
    };
  }
  return {
    provider,
    accountId,
    periodStart,
    periodHours: 1,
    service: "Support",
    region,
    kind: "other",
    quantity: 1,
    unit: "none",
  };
}

const records: UsageRecord[] = new Array(recordCount);
for (let i = 0; i < recordCount; i++) records[i] = makeRecord(i);

const estimator = createEstimator();
let checksum = 0;
for (const record of records) checksum += estimator.estimate(record).co2eLocationKg; // warm-up

const rates: number[] = [];
for (let round = 0; round < rounds; round++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < recordCount; i++) {
    const e = estimator.estimate(records[i] as UsageRecord);
    checksum += e.co2eLocationKg + e.embodiedKg;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rates.push(recordCount / seconds);
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)] ?? 0;
console.log(
  `${estimator.methodologyVersion}: ${recordCount.toLocaleString("en-US")} records × ${rounds} rounds`,
);
console.log(
  `records/s: median ${Math.round(median).toLocaleString("en-US")}, best ${Math.round(rates[rates.length - 1] ?? 0).toLocaleString("en-US")}, worst ${Math.round(rates[0] ?? 0).toLocaleString("en-US")}`,
);
console.log(`(checksum ${checksum.toExponential(6)})`);
