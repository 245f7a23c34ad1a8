import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { seededRandom } from "@canopy/db";

/**
 * Writes a synthetic but realistic legacy AWS CUR CSV (hourly, resource IDs on): the 94 columns of a
 * real export (see shared/reference/samples/aws) plus resource id, instance attributes and two tags,
 * quoted fields where AWS quotes them. Line mix by share of lines, roughly as in a mid-size account:
 * EC2 instances of many types (on-demand, spot, RI- and Savings-Plan-covered) 34 %, EBS 18 %, S3 12 %,
 * data transfer 14 %, RDS 6 %, Lambda 4 %, NAT/ELB/CloudWatch/KMS and other 8.7 %, money-only lines
 * (tax, support, credits, SP negation, RI fees, refunds) 3.3 %. Deterministic for a given line count.
 */

const header = [
  "identity/LineItemId",
  "identity/TimeInterval",
  "bill/InvoiceId",
  "bill/InvoicingEntity",
  "bill/BillingEntity",
  "bill/BillType",
  "bill/PayerAccountId",
  "bill/BillingPeriodStartDate",
  "bill/BillingPeriodEndDate",
  "lineItem/UsageAccountId",
  "lineItem/LineItemType",
  "lineItem/UsageStartDate",
  "lineItem/UsageEndDate",
  "lineItem/ProductCode",
  "lineItem/UsageType",
  "lineItem/Operation",
  "lineItem/AvailabilityZone",
  "lineItem/ResourceId",
  "lineItem/UsageAmount",
  "lineItem/NormalizationFactor",
  "lineItem/NormalizedUsageAmount",
  "lineItem/CurrencyCode",
  "lineItem/UnblendedRate",
  "lineItem/UnblendedCost",
  "lineItem/BlendedRate",
  "lineItem/BlendedCost",
  "lineItem/LineItemDescription",
  "lineItem/TaxType",
  "lineItem/LegalEntity",
  "product/ProductName",
  "product/availability",
  "product/durability",
  "product/eventType",
  "product/feeCode",
  "product/feeDescription",
  "product/fromLocation",
  "product/fromLocationType",
  "product/fromRegionCode",
  "product/group",
  "product/groupDescription",
  "product/instanceFamily",
  "product/instanceType",
  "product/location",
  "product/locationType",
  "product/memory",
  "product/operation",
  "product/physicalProcessor",
  "product/productFamily",
  "product/region",
  "product/regionCode",
  "product/servicecode",
  "product/servicename",
  "product/sku",
  "product/storageClass",
  "product/storageMedia",
  "product/toLocation",
  "product/toLocationType",
  "product/toRegionCode",
  "product/transferType",
  "product/usagetype",
  "product/vcpu",
  "product/version",
  "product/volumeApiName",
  "product/volumeType",
  "pricing/RateCode",
  "pricing/RateId",
  "pricing/currency",
  "pricing/publicOnDemandCost",
  "pricing/publicOnDemandRate",
  "pricing/term",
  "pricing/unit",
  "reservation/AmortizedUpfrontCostForUsage",
  "reservation/AmortizedUpfrontFeeForBillingPeriod",
  "reservation/EffectiveCost",
  "reservation/EndTime",
  "reservation/ModificationStatus",
  "reservation/NormalizedUnitsPerReservation",
  "reservation/NumberOfReservations",
  "reservation/RecurringFeeForUsage",
  "reservation/ReservationARN",
  "reservation/StartTime",
  "reservation/SubscriptionId",
  "reservation/TotalReservedNormalizedUnits",
  "reservation/TotalReservedUnits",
  "reservation/UnitsPerReservation",
  "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
  "reservation/UnusedNormalizedUnitQuantity",
  "reservation/UnusedQuantity",
  "reservation/UnusedRecurringFee",
  "reservation/UpfrontValue",
  "savingsPlan/TotalCommitmentToDate",
  "savingsPlan/SavingsPlanARN",
  "savingsPlan/SavingsPlanRate",
  "savingsPlan/UsedCommitment",
  "savingsPlan/SavingsPlanEffectiveCost",
  "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod",
  "savingsPlan/RecurringCommitmentForBillingPeriod",
  "resourceTags/user:team",
  "resourceTags/user:env",
];
const columnIndex = new Map(header.map((name, index) => [name, index]));

const regions = [
  { code: "us-east-1", prefix: "", name: "US East (N. Virginia)", weight: 40 },
  { code: "us-west-2", prefix: "USW2-", name: "US West (Oregon)", weight: 20 },
  { code: "eu-west-1", prefix: "EU-", name: "EU (Ireland)", weight: 12 },
  { code: "eu-central-1", prefix: "EUC1-", name: "EU (Frankfurt)", weight: 8 },
  { code: "eu-west-2", prefix: "EUW2-", name: "EU (London)", weight: 5 },
  { code: "ap-northeast-1", prefix: "APN1-", name: "Asia Pacific (Tokyo)", weight: 5 },
  { code: "ap-southeast-2", prefix: "APS2-", name: "Asia Pacific (Sydney)", weight: 4 },
  { code: "ca-central-1", prefix: "CAN1-", name: "Canada (Central)", weight: 3 },
  { code: "sa-east-1", prefix: "SAE1-", name: "South America (Sao Paulo)", weight: 3 },
];
/** The AWS regions and the UTC month (November 2023) the generated CUR bills. */
export const generatedCurRegions = regions.map((region) => region.code);
export const generatedCurMonth = {
  start: new Date(Date.UTC(2023, 10, 1)),
  end: new Date(Date.UTC(2023, 11, 1)),
};
const instanceTypes: {
  type: string;
  vcpu: number;
  memory: string;
  rate: number;
  family: string;
  processor: string;
}[] = [
  {
    type: "t3.micro",
    vcpu: 2,
    memory: "1 GiB",
    rate: 0.0104,
    family: "General purpose",
    processor: "Intel Skylake E5 2686 v5",
  },
  {
    type: "t3.medium",
    vcpu: 2,
    memory: "4 GiB",
    rate: 0.0416,
    family: "General purpose",
    processor: "Intel Skylake E5 2686 v5",
  },
  {
    type: "t3a.large",
    vcpu: 2,
    memory: "8 GiB",
    rate: 0.0752,
    family: "General purpose",
    processor: "AMD EPYC 7571",
  },
  {
    type: "m5.large",
    vcpu: 2,
    memory: "8 GiB",
    rate: 0.096,
    family: "General purpose",
    processor: "Intel Xeon Platinum 8175",
  },
  {
    type: "m5.xlarge",
    vcpu: 4,
    memory: "16 GiB",
    rate: 0.192,
    family: "General purpose",
    processor: "Intel Xeon Platinum 8175",
  },
  {
    type: "m5.2xlarge",
    vcpu: 8,
    memory: "32 GiB",
    rate: 0.384,
    family: "General purpose",
    processor: "Intel Xeon Platinum 8175",
  },
  {
    type: "m6i.4xlarge",
    vcpu: 16,
    memory: "64 GiB",
    rate: 0.768,
    family: "General purpose",
    processor: "Intel Xeon 8375C (Ice Lake)",
  },
  {
    type: "m6g.large",
    vcpu: 2,
    memory: "8 GiB",
    rate: 0.077,
    family: "General purpose",
    processor: "AWS Graviton2 Processor",
  },
  {
    type: "m7g.xlarge",
    vcpu: 4,
    memory: "16 GiB",
    rate: 0.1632,
    family: "General purpose",
    processor: "AWS Graviton3 Processor",
  },
  {
    type: "c5.xlarge",
    vcpu: 4,
    memory: "8 GiB",
    rate: 0.17,
    family: "Compute optimized",
    processor: "Intel Xeon Platinum 8124M",
  },
  {
    type: "c5.4xlarge",
    vcpu: 16,
    memory: "32 GiB",
    rate: 0.68,
    family: "Compute optimized",
    processor: "Intel Xeon Platinum 8124M",
  },
  {
    type: "c6i.2xlarge",
    vcpu: 8,
    memory: "16 GiB",
    rate: 0.34,
    family: "Compute optimized",
    processor: "Intel Xeon 8375C (Ice Lake)",
  },
  {
    type: "c6g.8xlarge",
    vcpu: 32,
    memory: "64 GiB",
    rate: 1.088,
    family: "Compute optimized",
    processor: "AWS Graviton2 Processor",
  },
  {
    type: "r5.2xlarge",
    vcpu: 8,
    memory: "64 GiB",
    rate: 0.504,
    family: "Memory optimized",
    processor: "Intel Xeon Platinum 8175",
  },
  {
    type: "r6i.8xlarge",
    vcpu: 32,
    memory: "256 GiB",
    rate: 2.016,
    family: "Memory optimized",
    processor: "Intel Xeon 8375C (Ice Lake)",
  },
  {
    type: "i3.2xlarge",
    vcpu: 8,
    memory: "61 GiB",
    rate: 0.624,
    family: "Storage optimized",
    processor: "Intel Xeon E5-2686 v4 (Broadwell)",
  },
  {
    type: "g4dn.xlarge",
    vcpu: 4,
    memory: "16 GiB",
    rate: 0.526,
    family: "GPU instance",
    processor: "Intel Xeon Family",
  },
  {
    type: "p3.2xlarge",
    vcpu: 8,
    memory: "61 GiB",
    rate: 3.06,
    family: "GPU instance",
    processor: "Intel Xeon E5-2686 v4 (Broadwell)",
  },
];
const rdsTypes = ["db.t3.medium", "db.m5.large", "db.r5.xlarge", "db.r6g.2xlarge"];
const volumeTypes = ["gp2", "gp3", "gp3", "io1", "st1", "sc1"];
const teams = ["search", "payments", "data", "platform", "web"];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}
function pickWeighted<T extends { weight: number }>(items: readonly T[], random: () => number): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let draw = random() * total;
  for (const item of items) {
    draw -= item.weight;
    if (draw <= 0) return item;
  }
  return items[items.length - 1] as T;
}
function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
function hex(random: () => number, length: number): string {
  let text = "";
  for (let index = 0; index < length; index++)
    text += "0123456789abcdef"[Math.floor(random() * 16)];
  return text;
}

type Line = Record<string, string>;

function makeLine(random: () => number, lineIndex: number, totalLines: number): Line {
  const hour = Math.floor((lineIndex / totalLines) * 720); // November 2023, sorted by hour like a real CUR
  const start = new Date(generatedCurMonth.start.getTime() + hour * 3_600_000);
  const end = new Date(start.getTime() + 3_600_000);
  const startText = start.toISOString();
  const region = pickWeighted(regions, random);
  const account = pick(["111122223333", "444455556666", "777788889999"], random);
  const line: Line = {
    "identity/LineItemId": hex(random, 52),
    "identity/TimeInterval": `${startText.slice(0, 19)}Z/${end.toISOString().slice(0, 19)}Z`,
    "bill/InvoicingEntity": "Amazon Web Services, Inc.",
    "bill/BillingEntity": "AWS",
    "bill/BillType": "Anniversary",
    "bill/PayerAccountId": "111122223333",
    "bill/BillingPeriodStartDate": "2023-11-01T00:00:00.000Z",
    "bill/BillingPeriodEndDate": "2023-12-01T00:00:00.000Z",
    "lineItem/UsageAccountId": account,
    "lineItem/LineItemType": "Usage",
    "lineItem/UsageStartDate": startText,
    "lineItem/UsageEndDate": end.toISOString(),
    "lineItem/CurrencyCode": "USD",
    "lineItem/LegalEntity": "Amazon Web Services, Inc.",
    "product/region": region.code,
    "product/regionCode": region.code,
    "product/location": region.name,
    "product/locationType": "AWS Region",
    "pricing/currency": "USD",
    "pricing/term": "OnDemand",
    "resourceTags/user:team": pick(teams, random),
    "resourceTags/user:env": random() < 0.7 ? "prod" : "staging",
  };
  const priced = (amount: number, rate: number, unit: string, description: string) => {
    const cost = amount * rate;
    line["lineItem/UsageAmount"] = amount.toFixed(10).replace(/0+$/, "").replace(/\.$/, ".0");
    line["lineItem/UnblendedRate"] = rate.toFixed(10);
    line["lineItem/UnblendedCost"] = cost.toFixed(10);
    line["lineItem/BlendedRate"] = rate.toFixed(10);
    line["lineItem/BlendedCost"] = cost.toFixed(10);
    line["pricing/publicOnDemandCost"] = cost.toFixed(10);
    line["pricing/publicOnDemandRate"] = rate.toFixed(10);
    line["pricing/unit"] = unit;
    line["lineItem/LineItemDescription"] = description;
  };
  const zone = `${region.code}${pick(["a", "b", "c"], random)}`;
  const draw = random() * 1000;

  if (draw < 340) {
    const instance = pick(instanceTypes, random);
    const kind = random();
    const usagePrefix = kind < 0.12 ? "SpotUsage" : "BoxUsage";
    line["lineItem/LineItemType"] =
      kind > 0.8 ? "SavingsPlanCoveredUsage" : kind > 0.65 ? "DiscountedUsage" : "Usage";
    line["lineItem/ProductCode"] = "AmazonEC2";
    line["product/ProductName"] = "Amazon Elastic Compute Cloud";
    line["lineItem/UsageType"] = `${region.prefix}${usagePrefix}:${instance.type}`;
    line["lineItem/Operation"] = random() < 0.85 ? "RunInstances" : "RunInstances:0002";
    line["lineItem/AvailabilityZone"] = zone;
    line["lineItem/ResourceId"] = `i-0${hex(random, 16)}`;
    line["product/instanceType"] = instance.type;
    line["product/instanceFamily"] = instance.family;
    line["product/vcpu"] = String(instance.vcpu);
    line["product/memory"] = instance.memory;
    line["product/physicalProcessor"] = instance.processor;
    line["product/productFamily"] = "Compute Instance";
    line["product/usagetype"] = line["lineItem/UsageType"];
    line["lineItem/NormalizationFactor"] = "4.0";
    priced(
      1,
      instance.rate,
      "Hrs",
      `$${instance.rate} per On Demand Linux ${instance.type} Instance Hour`,
    );
  } else if (draw < 520) {
    const volume = pick(volumeTypes, random);
    const snapshot = random() < 0.2;
    const sizeGb = pick([8, 20, 50, 100, 500, 1000, 2000], random);
    line["lineItem/ProductCode"] = "AmazonEC2";
    line["product/ProductName"] = "Amazon Elastic Compute Cloud";
    line["lineItem/UsageType"] = snapshot
      ? `${region.prefix}EBS:SnapshotUsage`
      : `${region.prefix}EBS:VolumeUsage.${volume}`;
    line["lineItem/Operation"] = snapshot
      ? "CreateSnapshot"
      : `CreateVolume-${volume[0]?.toUpperCase()}${volume.slice(1)}`;
    line["lineItem/AvailabilityZone"] = zone;
    line["lineItem/ResourceId"] = snapshot ? `snap-0${hex(random, 16)}` : `vol-0${hex(random, 16)}`;
    line["product/productFamily"] = snapshot ? "Storage Snapshot" : "Storage";
    line["product/volumeApiName"] = volume;
    priced(
      (sizeGb / 720) * (0.5 + random()),
      0.08,
      "GB-Mo",
      `$0.08 per GB-month of ${volume} provisioned storage`,
    );
  } else if (draw < 640) {
    const storage = random() < 0.6;
    line["lineItem/ProductCode"] = "AmazonS3";
    line["product/ProductName"] = "Amazon Simple Storage Service";
    line["lineItem/ResourceId"] = `${pick(teams, random)}-bucket-${region.code}`;
    if (storage) {
      const tier = pick(
        [
          "TimedStorage-ByteHrs",
          "TimedStorage-SIA-ByteHrs",
          "TimedStorage-GlacierByteHrs",
          "TimedStorage-INT-FA-ByteHrs",
        ],
        random,
      );
      line["lineItem/UsageType"] = `${region.prefix}${tier}`;
      line["lineItem/Operation"] = "StandardStorage";
      line["product/productFamily"] = "Storage";
      priced(random() * 50, 0.023, "GB-Mo", "$0.023 per GB - first 50 TB / month of storage used");
    } else {
      line["lineItem/UsageType"] = `${region.prefix}Requests-Tier${random() < 0.5 ? 1 : 2}`;
      line["lineItem/Operation"] = "PutObject";
      line["product/productFamily"] = "API Request";
      priced(
        Math.floor(random() * 10_000),
        0.000005,
        "Requests",
        "$0.005 per 1,000 PUT, COPY, POST, or LIST requests",
      );
    }
  } else if (draw < 780) {
    const kind = random();
    line["lineItem/ProductCode"] = kind < 0.2 ? "AmazonS3" : "AmazonEC2";
    line["product/ProductName"] =
      kind < 0.2 ? "Amazon Simple Storage Service" : "Amazon Elastic Compute Cloud";
    line["lineItem/Operation"] = "RunInstances";
    line["product/productFamily"] = "Data Transfer";
    const peer = pickWeighted(regions, random);
    line["lineItem/UsageType"] =
      kind < 0.4
        ? `${region.prefix}DataTransfer-Out-Bytes`
        : kind < 0.6
          ? `${region.prefix || "USE1-"}${peer.prefix || "USE1-"}AWS-Out-Bytes`.replace("--", "-")
          : kind < 0.8
            ? `${region.prefix}DataTransfer-Regional-Bytes`
            : `${region.prefix}DataTransfer-In-Bytes`;
    priced(
      random() * 20,
      kind < 0.6 ? 0.09 : 0.01,
      "GB",
      "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier",
    );
  } else if (draw < 840) {
    const storage = random() < 0.4;
    const type = pick(rdsTypes, random);
    line["lineItem/ProductCode"] = "AmazonRDS";
    line["product/ProductName"] = "Amazon Relational Database Service";
    line["lineItem/ResourceId"] =
      `arn:aws:rds:${region.code}:${account}:db:${pick(teams, random)}-db`;
    if (storage) {
      line["lineItem/UsageType"] = `${region.prefix}RDS:${random() < 0.5 ? "GP2" : "GP3"}-Storage`;
      line["lineItem/Operation"] = "CreateDBInstance:0002";
      line["product/productFamily"] = "Database Storage";
      priced(
        random() * 2,
        0.115,
        "GB-Mo",
        "$0.115 per GB-month of provisioned gp2 storage running MySQL",
      );
    } else {
      const multiAz = random() < 0.3;
      line["lineItem/UsageType"] =
        `${region.prefix}${multiAz ? "Multi-AZUsage" : "InstanceUsage"}:${type}`;
      line["lineItem/Operation"] = "CreateDBInstance:0002";
      line["product/instanceType"] = type;
      line["product/productFamily"] = "Database Instance";
      priced(
        1,
        0.171,
        "Hrs",
        `$0.171 per RDS ${type} instance hour (or partial hour) running MySQL`,
      );
    }
  } else if (draw < 880) {
    const compute = random() < 0.7;
    line["lineItem/ProductCode"] = "AWSLambda";
    line["product/ProductName"] = "AWS Lambda";
    line["lineItem/ResourceId"] =
      `arn:aws:lambda:${region.code}:${account}:function:${pick(teams, random)}-handler`;
    line["lineItem/UsageType"] = compute
      ? `${region.prefix}Lambda-GB-Second`
      : `${region.prefix}Request`;
    line["lineItem/Operation"] = "Invoke";
    line["product/productFamily"] = compute ? "Serverless" : "Serverless";
    if (compute)
      priced(
        random() * 5000,
        0.0000166667,
        "Lambda-GB-Second",
        "AWS Lambda - Total Compute - US East (Northern Virginia)",
      );
    else
      priced(Math.floor(random() * 100_000), 0.0000002, "Requests", "AWS Lambda - Total Requests");
  } else if (draw < 967) {
    const option = pick(
      [
        {
          code: "AmazonEC2",
          type: "NatGateway-Hours",
          unit: "Hrs",
          amount: 1,
          rate: 0.045,
          family: "NAT Gateway",
        },
        {
          code: "AmazonEC2",
          type: "NatGateway-Bytes",
          unit: "GB",
          amount: 3,
          rate: 0.045,
          family: "NAT Gateway",
        },
        {
          code: "AWSELB",
          type: "LoadBalancerUsage",
          unit: "Hrs",
          amount: 1,
          rate: 0.0225,
          family: "Load Balancer-Application",
        },
        {
          code: "AmazonCloudWatch",
          type: "CW:MetricMonitorUsage",
          unit: "Metrics",
          amount: 0.02,
          rate: 0.3,
          family: "Metric",
        },
        {
          code: "AmazonCloudWatch",
          type: "TimedStorage-ByteHrs",
          unit: "GB-Mo",
          amount: 0.5,
          rate: 0.03,
          family: "Storage Snapshot",
        },
        {
          code: "awskms",
          type: "KMS-Requests",
          unit: "Requests",
          amount: 400,
          rate: 0.000003,
          family: "Encryption Key",
        },
        {
          code: "AmazonEC2",
          type: "EBSOptimized:m5.large",
          unit: "Hrs",
          amount: 1,
          rate: 0,
          family: "Compute Instance",
        },
      ],
      random,
    );
    line["lineItem/ProductCode"] = option.code;
    line["product/ProductName"] = option.code;
    line["lineItem/UsageType"] = `${region.prefix}${option.type}`;
    line["lineItem/Operation"] = "Usage";
    line["product/productFamily"] = option.family;
    priced(
      option.amount * (0.5 + random()),
      option.rate,
      option.unit,
      `$${option.rate} per ${option.unit}`,
    );
  } else {
    const kind = pick(
      ["Tax", "Fee", "Credit", "SavingsPlanNegation", "RIFee", "Refund", "SavingsPlanRecurringFee"],
      random,
    );
    line["lineItem/LineItemType"] = kind;
    line["lineItem/ProductCode"] =
      kind === "Fee" ? "AWSSupportBusiness" : kind === "RIFee" ? "AmazonRDS" : "AmazonEC2";
    line["product/ProductName"] =
      kind === "Fee" ? "AWS Support (Business)" : "Amazon Elastic Compute Cloud";
    line["lineItem/UsageType"] =
      kind === "Tax"
        ? ""
        : kind === "RIFee"
          ? `${region.prefix}HeavyUsage:db.m5.large`
          : `${region.prefix}BoxUsage:m5.large`;
    line["lineItem/UsageStartDate"] = "2023-11-01T00:00:00.000Z";
    line["lineItem/UsageEndDate"] = "2023-12-01T00:00:00.000Z";
    const amount =
      kind === "Credit" || kind === "SavingsPlanNegation" || kind === "Refund"
        ? -random() * 2
        : random() * 4;
    line["lineItem/TaxType"] = kind === "Tax" ? "Sales Tax" : "";
    priced(1, amount, "", kind === "Tax" ? "Tax for product code AmazonEC2" : `${kind} line`);
  }
  return line;
}

function formatLine(line: Line): string {
  const fields = new Array<string>(header.length).fill("");
  for (const [name, value] of Object.entries(line)) {
    const index = columnIndex.get(name);
    if (index !== undefined) fields[index] = csvField(value);
  }
  return fields.join(",");
}

/**
 * Writes `lines` data lines (plus a header) to `path`. By default every line draws its attributes
 * afresh. With `fleet`, lines come from a fixed fleet of resources (lines ÷ 720 of them) that each
 * report once an hour with the same account, region, type and tags, as a real CUR does; only the
 * line item id changes. The import benchmark uses the fleet, since hourly aggregation depends on it.
 */
export async function generateCurCsv(
  path: string,
  lines: number,
  seed = 20231101,
  options: { fleet?: boolean } = {},
): Promise<void> {
  const random = seededRandom(seed ^ lines);
  const fleetSize = Math.max(1, Math.ceil(lines / 720));
  const out = createWriteStream(path, { highWaterMark: 4 << 20 });
  out.write(`${header.join(",")}\n`);
  let buffer: string[] = [];
  for (let index = 0; index < lines; index++) {
    const line = options.fleet
      ? makeLine(seededRandom(seed ^ (index % fleetSize)), index, lines)
      : makeLine(random, index, lines);
    if (options.fleet) line["identity/LineItemId"] = hex(random, 52);
    buffer.push(formatLine(line));
    if (buffer.length === 5000 || index === lines - 1) {
      if (!out.write(`${buffer.join("\n")}\n`)) await once(out, "drain");
      buffer = [];
    }
  }
  out.end();
  await once(out, "finish");
}
