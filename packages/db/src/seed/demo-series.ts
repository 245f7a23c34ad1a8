/**
 * The demo organization's usage: what a mid-sized company running on three clouds looks like.
 * Quantities are per hour at the start of the series; each series grows month on month and follows
 * office hours and weekends to a degree set by `diurnal` and `weekendDip`.
 */
export type DemoSeries = {
  provider: "aws" | "azure" | "gcp";
  service: string;
  region: string;
  kind: "compute" | "gpu" | "memory" | "storage" | "network";
  unit: "vcpu-hours" | "gpu-hours" | "gb-hours" | "tb-hours" | "gb";
  usageType: string;
  instanceType?: string;
  vcpus?: number;
  memoryGb?: number;
  gpuModel?: string;
  storageClass?: "ssd" | "hdd";
  quantityPerHour: number;
  /** Share of the quantity that follows the working day (0 = flat). */
  diurnal: number;
  /** Share removed on Saturdays and Sundays. */
  weekendDip: number;
  growthPerMonth: number;
  costPerUnit: number;
  tags: Record<string, string>;
};

const team = (name: string, costCentre: string) => ({ team: name, "cost-centre": costCentre });

export const demoAccounts = [
  { provider: "aws", providerAccountId: "123456789012", displayName: "AWS Production (demo data)" },
  {
    provider: "azure",
    providerAccountId: "9f3c2a1e-6b7d-4c8e-a1f2-0d9e8c7b6a54",
    displayName: "Azure Analytics subscription (demo data)",
  },
  { provider: "gcp", providerAccountId: "demo-corp-ml", displayName: "GCP ML project (demo data)" },
] as const;

export const demoSeries: DemoSeries[] = [
  // AWS
  {
    provider: "aws",
    service: "AmazonEC2",
    region: "us-east-1",
    kind: "compute",
    unit: "vcpu-hours",
    usageType: "USE1-BoxUsage:m5.xlarge",
    instanceType: "m5.xlarge",
    vcpus: 4,
    memoryGb: 16,
    quantityPerHour: 96,
    diurnal: 0.35,
    weekendDip: 0.25,
    growthPerMonth: 0.025,
    costPerUnit: 0.048,
    tags: team("checkout", "CC-100"),
  },
  {
    provider: "aws",
    service: "AmazonEC2",
    region: "eu-west-1",
    kind: "compute",
    unit: "vcpu-hours",
    usageType: "EU-BoxUsage:c6g.2xlarge",
    instanceType: "c6g.2xlarge",
    vcpus: 8,
    memoryGb: 16,
    quantityPerHour: 64,
    diurnal: 0.4,
    weekendDip: 0.3,
    growthPerMonth: 0.03,
    costPerUnit: 0.0385,
    tags: team("search", "CC-200"),
  },
  {
    provider: "aws",
    service: "AmazonEC2",
    region: "us-west-2",
    kind: "gpu",
    unit: "gpu-hours",
    usageType: "USW2-BoxUsage:g5.xlarge",
    instanceType: "g5.xlarge",
    vcpus: 4,
    memoryGb: 16,
    gpuModel: "NVIDIA A10G",
    quantityPerHour: 4,
    diurnal: 0.6,
    weekendDip: 0.5,
    growthPerMonth: 0.06,
    costPerUnit: 1.006,
    tags: team("ml-platform", "CC-300"),
  },
  {
    provider: "aws",
    service: "AmazonRDS",
    region: "eu-west-1",
    kind: "compute",
    unit: "vcpu-hours",
    usageType: "EU-InstanceUsage:db.r5.large",
    instanceType: "db.r5.large",
    vcpus: 2,
    memoryGb: 16,
    quantityPerHour: 16,
    diurnal: 0.1,
    weekendDip: 0.05,
    growthPerMonth: 0.01,
    costPerUnit: 0.125,
    tags: team("checkout", "CC-100"),
  },
  {
    provider: "aws",
    service: "AmazonEC2",
    region: "us-east-1",
    kind: "storage",
    unit: "tb-hours",
    usageType: "USE1-EBS:VolumeUsage.gp3",
    storageClass: "ssd",
    quantityPerHour: 42,
    diurnal: 0,
    weekendDip: 0,
    growthPerMonth: 0.03,
    costPerUnit: 0.1096,
    tags: team("checkout", "CC-100"),
  },
  {
    provider: "aws",
    service: "AmazonS3",
    region: "us-east-1",
    kind: "storage",
    unit: "tb-hours",
    usageType: "USE1-TimedStorage-ByteHrs",
    storageClass: "hdd",
    quantityPerHour: 310,
    diurnal: 0,
    weekendDip: 0,
    growthPerMonth: 0.04,
    costPerUnit: 0.0315,
    tags: team("data", "CC-400"),
  },
  {
    provider: "aws",
    service: "AWSDataTransfer",
    region: "us-east-1",
    kind: "network",
    unit: "gb",
    usageType: "USE1-DataTransfer-Out-Bytes",
    quantityPerHour: 420,
    diurnal: 0.5,
    weekendDip: 0.35,
    growthPerMonth: 0.03,
    costPerUnit: 0.09,
    tags: team("checkout", "CC-100"),
  },
  // Azure (daily data only, like Cost Management)
  {
    provider: "azure",
    service: "Virtual Machines",
    region: "westeurope",
    kind: "compute",
    unit: "vcpu-hours",
    usageType: "D4s v5",
    instanceType: "Standard_D4s_v5",
    vcpus: 4,
    memoryGb: 16,
    quantityPerHour: 48,
    diurnal: 0.3,
    weekendDip: 0.3,
    growthPerMonth: 0.02,
    costPerUnit: 0.048,
    tags: team("analytics", "CC-500"),
  },
  {
    provider: "azure",
    service: "Virtual Machines",
    region: "northeurope",
    kind: "compute",
    unit: "vcpu-hours",
    usageType: "E8s v5",
    instanceType: "Standard_E8s_v5",
    vcpus: 8,
    memoryGb: 64,
    quantityPerHour: 32,
    diurnal: 0.2,
    weekendDip: 0.15,
    growthPerMonth: 0.015,
    costPerUnit: 0.063,
    tags: team("analytics", "CC-500"),
  },
  {
    provider: "azure",
    service: "Storage",
    region: "westeurope",
    kind: "storage",
    unit: "tb-hours",
    usageType: "P30 LRS Disk",
    storageClass: "ssd",
    quantityPerHour: 18,
    diurnal: 0,
    weekendDip: 0,
    growthPerMonth: 0.02,
    costPerUnit: 0.165,
    tags: team("analytics", "CC-500"),
  },
  {
    provider: "azure",
    service: "Bandwidth",
    region: "westeurope",
    kind: "network",
    unit: "gb",
    usageType: "Standard Data Transfer Out",
    quantityPerHour: 90,
    diurnal: 0.4,
    weekendDip: 0.3,
    growthPerMonth: 0.02,
    costPerUnit: 0.087,
    tags: team("analytics", "CC-500"),
  },
  // GCP
  {
    provider: "gcp",
    service: "Compute Engine",
    region: "us-central1",
    kind: "compute",
    unit: "vcpu-hours",
    usageType: "N2 Instance Core running in Americas",
    instanceType: "n2-standard-8",
    vcpus: 8,
    memoryGb: 32,
    quantityPerHour: 128,
    diurnal: 0.45,
    weekendDip: 0.4,
    growthPerMonth: 0.05,
    costPerUnit: 0.0316,
    tags: team("ml-platform", "CC-300"),
  },
  {
    provider: "gcp",
    service: "Compute Engine",
    region: "europe-west4",
    kind: "compute",
    unit: "vcpu-hours",
    usageType: "E2 Instance Core running in Netherlands",
    instanceType: "e2-standard-4",
    vcpus: 4,
    memoryGb: 16,
    quantityPerHour: 40,
    diurnal: 0.25,
    weekendDip: 0.2,
    growthPerMonth: 0.02,
    costPerUnit: 0.0241,
    tags: team("search", "CC-200"),
  },
  {
    provider: "gcp",
    service: "Cloud Storage",
    region: "us-central1",
    kind: "storage",
    unit: "tb-hours",
    usageType: "Standard Storage US Regional",
    storageClass: "hdd",
    quantityPerHour: 120,
    diurnal: 0,
    weekendDip: 0,
    growthPerMonth: 0.05,
    costPerUnit: 0.0274,
    tags: team("ml-platform", "CC-300"),
  },
  {
    provider: "gcp",
    service: "Networking",
    region: "europe-west4",
    kind: "network",
    unit: "gb",
    usageType: "Network Internet Egress from Netherlands to Americas",
    quantityPerHour: 60,
    diurnal: 0.5,
    weekendDip: 0.3,
    growthPerMonth: 0.03,
    costPerUnit: 0.12,
    tags: team("search", "CC-200"),
  },
];

/** Deterministic pseudo-random numbers (mulberry32), so the demo data is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR_MS = 3_600_000;

/** Usage of one series for the hour starting at `hourMs`, given months since the series began. */
export function demoQuantity(
  series: DemoSeries,
  hourMs: number,
  monthsElapsed: number,
  random: () => number,
): number {
  const date = new Date(hourMs);
  const hourOfDay = date.getUTCHours();
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
  // Working-day curve: low at night, peak mid-afternoon UTC.
  const dayCurve = 0.5 - 0.5 * Math.cos(((hourOfDay - 3) / 24) * 2 * Math.PI);
  const shape = 1 - series.diurnal + series.diurnal * 2 * dayCurve;
  const week = weekend ? 1 - series.weekendDip : 1;
  const growth = (1 + series.growthPerMonth) ** monthsElapsed;
  const noise = 0.92 + 0.16 * random();
  return series.quantityPerHour * shape * week * growth * noise;
}

export const hourMs = HOUR_MS;
