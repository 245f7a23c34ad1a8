/**
 * Unit and rule fixes of issue 14, each on a real line of the sample exports in test/samples (copied
 * from shared/reference/samples) or, where no sample has such a line, on a line in the provider's
 * documented format. Expected figures are worked out from the line's own cells.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openBillingSource } from "../files/open-billing-file";
import { createCurClassifier } from "./aws-cur";
import { createAzureClassifier } from "./azure-cost-details";
import { createGcpClassifier } from "./gcp-billing-export";
import type { BillingRow, ClassifyOutcome } from "./types";
import { notModelledReasons } from "./types";

const samples = join(import.meta.dirname, "../../test/samples");
const TB_PER_GIB = 2 ** 30 / 1e12;

/** The first line of a sample file whose cells match, with its classification. */
async function sampleLine(
  relativePath: string,
  match: Readonly<Record<string, string>>,
): Promise<{ row: BillingRow; outcome: ClassifyOutcome }> {
  const { file, classifier } = await openBillingSource(join(samples, relativePath), {
    includeTags: false,
  });
  const columns = [...new Set([...classifier.usedColumns, ...Object.keys(match)])];
  for await (const batch of file.batches({ columns, numericColumns: classifier.numericColumns })) {
    for (const { lineNumber, row } of batch) {
      if (row && Object.entries(match).every(([column, value]) => sameCell(row[column], value))) {
        return { row, outcome: classifier.classify(row, lineNumber) };
      }
    }
  }
  throw new Error(`no line of ${relativePath} matches ${JSON.stringify(match)}`);
}

/** Text cells compare as text; numeric cells (readers may deliver numbers) compare as numbers. */
function sameCell(cell: unknown, value: string): boolean {
  if (String(cell) === value) return true;
  return value.trim() !== "" && Number.isFinite(Number(value)) && Number(cell) === Number(value);
}

function records(outcome: ClassifyOutcome) {
  if (outcome.status !== "usage") throw new Error(`expected usage, got ${JSON.stringify(outcome)}`);
  return outcome.records;
}

const nov2023Hours = 720;

describe("storage: billed GiB become decimal TB-hours", () => {
  it("AWS S3 CAN1-TimedStorage-ByteHrs, 1.4219E-6 GB-Mo in November 2023 (HDD per CCF's list)", async () => {
    const { outcome } = await sampleLine("aws/sample-anonymous-aws-export-dataset.csv", {
      "lineItem/UsageType": "CAN1-TimedStorage-ByteHrs",
      "lineItem/UsageStartDate": "2023-11-06T00:00:00.000Z",
    });
    const [s3] = records(outcome);
    expect(s3).toMatchObject({ kind: "storage", unit: "tb-hours", storageClass: "hdd" });
    expect(s3?.quantity).toBeCloseTo(1.4219e-6 * nov2023Hours * TB_PER_GIB, 18);
    // the old ÷ 1024 read 9 % less
    expect((1.4219e-6 * nov2023Hours) / 1024 / (s3?.quantity ?? 1)).toBeCloseTo(0.9095, 4);
  });

  it("AWS EFS TimedStorage-ByteHrs stays SSD (CCF: an SSD service unless a backup tier)", async () => {
    const { outcome } = await sampleLine("aws/sample-anonymous-aws-export-dataset.csv", {
      "lineItem/ProductCode": "AmazonEFS",
      "lineItem/UsageType": "USE2-TimedStorage-ByteHrs",
    });
    expect(records(outcome)[0]).toMatchObject({ kind: "storage", storageClass: "ssd" });
  });

  it("Azure P10 LRS Disk: 0.033336 disk-months × 128 GiB (SSD)", async () => {
    const { outcome } = await sampleLine("azure/EA_AmortizedCost_Small.csv", {
      MeterName: "P10 LRS Disk",
    });
    const [disk] = records(outcome);
    expect(disk).toMatchObject({ kind: "storage", storageClass: "ssd" });
    expect(disk?.quantity).toBeCloseTo(0.033336 * 720 * 128 * TB_PER_GIB, 12);
  });

  it("GCP Storage PD Capacity (standard PD, HDD): byte-seconds ÷ 3600 ÷ 10^12", async () => {
    const { row, outcome } = await sampleLine("gcp/tmp_example.csv", {
      "sku.description": "Storage PD Capacity",
    });
    const [pd] = records(outcome);
    expect(pd).toMatchObject({ kind: "storage", storageClass: "hdd" });
    expect(pd?.quantity).toBeCloseTo(Number(row["usage.amount"]) / 3600 / 1e12, 15);
  });

  it("a medium the line does not name is left to the estimator's flagged default (Log Analytics retention)", async () => {
    const { outcome } = await sampleLine("azure/EA_AmortizedCost_Small.csv", {
      MeterName: "Pay-as-you-go Data Retention",
    });
    const [retention] = records(outcome);
    expect(retention?.kind).toBe("storage");
    expect(retention?.storageClass).toBeUndefined();
  });
});

describe("network is inter-region and inter-AZ transfer only", () => {
  it.each([
    ["aws/sample-anonymous-aws-export-dataset.csv", { "lineItem/UsageType": "CAN1-APN1-AWS-Out-Bytes" }, "network"],
    ["aws/sample-anonymous-aws-export-dataset.csv", { "lineItem/UsageType": "CAN1-DataTransfer-xAZ-Out-Bytes" }, "network"],
    ["aws/sample-anonymous-aws-export-dataset.csv", { "lineItem/UsageType": "CAN1-DataTransfer-Out-Bytes" }, "internet-egress"],
    ["azure/EA_AmortizedCost_Small.csv", { MeterName: "Intra Continent Data Transfer Out" }, "network"],
    ["azure/EA_AmortizedCost_Small.csv", { MeterName: "Standard Data Transfer Out" }, "internet-egress"],
    ["gcp/tmp_example.csv", { "sku.description": "Network Inter Zone Egress" }, "network"],
    ["gcp/tmp_example.csv", { "sku.description": "Network Inter Region Egress from Americas to EMEA" }, "network"],
    ["gcp/tmp_example.csv", { "sku.description": "Network Internet Egress from Americas to APAC" }, "internet-egress"],
    ["gcp/tmp_example.csv", { "sku.description": "Download Worldwide Destinations (excluding Asia & Australia)" }, "internet-egress"],
    [
      "focus/focus_sample.csv",
      {
        ChargeDescription: "$0.02 per GB - US West (Oregon) data transfer to US West (Northern California)",
      },
      "network",
    ],
    [
      "focus/focus_sample.csv",
      {
        ChargeDescription: "$0.010 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB",
      },
      "network",
    ],
    [
      "focus/focus_sample.csv",
      {
        ChargeDescription: "$0.110 per GB - first 10 TB / month data transfer out",
        ServiceName: "Amazon CloudFront",
      },
      "cdn-delivery",
    ],
    [
      "focus/focus_sample.csv",
      {
        ChargeDescription: "$0.00 per GB data transfer out of US East (Northern Virginia) to CloudFront",
      },
      "cdn-delivery",
    ],
    [
      "focus/focus_sample.csv",
      {
        ChargeDescription: "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier",
      },
      "internet-egress",
    ],
    ["focus/focus_sample.csv", { ChargeDescription: "Rtn Preference: MGN - Standard Data Transfer Out" }, "internet-egress"],
    [
      "focus/focus_sample.csv",
      {
        ChargeDescription: "Bandwidth Inter-Region - Intra Continent Data Transfer Out - North America",
      },
      "network",
    ],
  ] as const)("%s %j → %s", async (path, match, expected) => {
    const { outcome } = await sampleLine(path, match);
    if (expected === "network") {
      expect(records(outcome).map((record) => record.kind)).toEqual(["network"]);
    } else {
      expect(outcome).toMatchObject({ status: "unsupported", reason: expected });
      expect(notModelledReasons).toContain(expected);
      // the line's cost stays on its cost-only record
      if (outcome.status === "unsupported") expect(outcome.records.map((record) => record.costAmount)).toEqual([outcome.costAmount]);
    }
  });

  it("CloudFront's own transfer lines are CDN delivery (CUR, documented format)", () => {
    const cur = createCurClassifier([
      "lineItem/UsageAccountId",
      "lineItem/LineItemType",
      "lineItem/UsageStartDate",
      "lineItem/ProductCode",
      "lineItem/UsageType",
      "lineItem/UsageAmount",
      "pricing/unit",
    ]);
    const line = {
      "lineItem/UsageAccountId": "210987654321",
      "lineItem/LineItemType": "Usage",
      "lineItem/UsageStartDate": "2024-09-01T00:00:00Z",
      "pricing/unit": "GB",
      "lineItem/UsageAmount": "12",
    };
    expect(
      cur.classify({
        ...line,
        "lineItem/ProductCode": "AmazonCloudFront",
        "lineItem/UsageType": "US-DataTransfer-Out-Bytes",
      }),
    ).toMatchObject({ reason: "cdn-delivery" });
    expect(
      cur.classify({
        ...line,
        "lineItem/ProductCode": "AmazonEC2",
        "lineItem/UsageType": "USE1-CloudFront-Out-Bytes",
      }),
    ).toMatchObject({ reason: "cdn-delivery" });
  });
});

describe("CDN delivery on Azure and GCP (documented formats)", () => {
  it("Azure CDN and Front Door data transfer, GCP Cloud CDN cache egress", () => {
    const azure = createAzureClassifier([
      "Date",
      "SubscriptionId",
      "MeterCategory",
      "MeterSubCategory",
      "MeterName",
      "Quantity",
      "UnitOfMeasure",
      "CostInBillingCurrency",
    ]);
    const line = {
      Date: "09/04/2023",
      SubscriptionId: "7c3a1f0e-1111-4a2b-9c3d-123456789abc",
      Quantity: "3",
      UnitOfMeasure: "1 GB",
      CostInBillingCurrency: "0.24",
    };
    expect(
      azure.classify({
        ...line,
        MeterCategory: "Content Delivery Network",
        MeterSubCategory: "Standard Microsoft",
        MeterName: "Standard Zone 1 Data Transfer",
      }),
    ).toMatchObject({ reason: "cdn-delivery", costAmount: 0.24 });
    expect(
      azure.classify({
        ...line,
        MeterCategory: "Azure Front Door Service",
        MeterSubCategory: "Azure Front Door",
        MeterName: "Standard Data Transfer Out",
      }),
    ).toMatchObject({ reason: "cdn-delivery" });
    const gcp = createGcpClassifier([
      "service.description",
      "sku.description",
      "usage_start_time",
      "usage.amount",
      "usage.unit",
      "project.id",
      "location.region",
    ]);
    expect(
      gcp.classify({
        "service.description": "Networking",
        "sku.description": "Networking Cloud CDN Traffic Cache Egress from Americas to Americas",
        usage_start_time: "2024-06-01 10:00:00 UTC",
        "usage.amount": String(2 ** 30),
        "usage.unit": "bytes",
        "project.id": "acme",
        "location.region": "",
      }),
    ).toMatchObject({ reason: "cdn-delivery" });
  });
});

describe("units the classifier does not know are flagged, not zeros", () => {
  it("AWS S3 'Obj-Month' (Intelligent-Tiering monitoring)", async () => {
    const { outcome } = await sampleLine("aws/sample-anonymous-aws-export-dataset.csv", {
      "pricing/unit": "Obj-Month",
    });
    expect(outcome).toMatchObject({
      status: "unsupported",
      reason: "unit-not-recognized",
      detail: expect.stringContaining('unit "Obj-Month"'),
    });
  });

  it("FOCUS AWS 'LCU-Hours' (load balancer capacity units)", async () => {
    const { outcome } = await sampleLine("focus/focus_sample.csv", { ConsumedUnit: "LCU-Hours" });
    expect(outcome).toMatchObject({
      status: "unsupported",
      reason: "unit-not-recognized",
      detail: expect.stringContaining("LCU-Hours"),
    });
  });

  it("units that are known to carry no energy (Requests) stay usage of kind other", async () => {
    const { outcome } = await sampleLine("aws/sample-anonymous-aws-export-dataset.csv", {
      "pricing/unit": "Requests",
    });
    expect(records(outcome).map((record) => record.kind)).toEqual(["other"]);
  });
});

describe("negative usage nets against the usage it corrects", () => {
  it("FOCUS Microsoft: −1 hour of D11 v2 is −1 instance-hour of compute, with its negative cost", async () => {
    const { outcome } = await sampleLine("focus/focus_sample.csv", {
      ConsumedQuantity: "-1.000000000000000",
      ConsumedUnit: "Hours",
    });
    const [vm] = records(outcome);
    expect(vm).toMatchObject({
      kind: "compute",
      unit: "instance-hours",
      quantity: -1,
      instanceType: "Standard_D11_v2",
      costAmount: -0.149,
    });
  });

  it("FOCUS Microsoft: −0.00019 GB/Month of table storage is negative TB-hours", async () => {
    const { outcome } = await sampleLine("focus/focus_sample.csv", {
      ConsumedQuantity: "-0.000190000000000",
    });
    const [table] = records(outcome);
    expect(table?.kind).toBe("storage");
    expect(table?.quantity).toBeCloseTo(-0.00019 * 720 * TB_PER_GIB, 15); // September: 720 h
  });

  it("GCP export (documented format): a negative usage.amount is a negative record", () => {
    const gcp = createGcpClassifier([
      "service.description",
      "sku.description",
      "usage_start_time",
      "usage_end_time",
      "usage.amount",
      "usage.unit",
      "cost",
      "currency",
      "project.id",
      "location.region",
    ]);
    const [core] = records(
      gcp.classify({
        "service.description": "Compute Engine",
        "sku.description": "N2 Instance Core running in Americas",
        usage_start_time: "2024-06-01 10:00:00 UTC",
        usage_end_time: "2024-06-01 11:00:00 UTC",
        "usage.amount": "-7200",
        "usage.unit": "seconds",
        cost: "-0.06",
        currency: "USD",
        "project.id": "acme-prod",
        "location.region": "us-central1",
      }),
    );
    expect(core).toMatchObject({
      kind: "compute",
      unit: "vcpu-hours",
      quantity: -2,
      costAmount: -0.06,
    });
  });
});

describe("Lambda and CPU credits", () => {
  it("FOCUS 'AWS Lambda - Total Compute', 142.628 GB-seconds: 1,769 MB (= 1769/1024 billed GB) per vCPU", async () => {
    const { outcome } = await sampleLine("focus/focus_sample.csv", {
      ChargeDescription: "AWS Lambda - Total Compute - US West (Oregon)-Tier-1",
      ConsumedQuantity: "142.628000000000000",
    });
    const [compute, memory] = records(outcome);
    expect(compute).toMatchObject({ kind: "compute", unit: "vcpu-hours" });
    expect(compute?.quantity).toBeCloseTo((142.628 / 3600) * (1024 / 1769), 12);
    expect(memory).toMatchObject({ kind: "memory", unit: "gb-hours" });
    expect(memory?.quantity).toBeCloseTo(142.628 / 3600, 12);
  });

  const cur = createCurClassifier([
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/UsageAmount",
    "lineItem/UnblendedCost",
    "pricing/unit",
  ]);
  const line = {
    "lineItem/UsageAccountId": "210987654321",
    "lineItem/LineItemType": "Usage",
    "lineItem/UsageStartDate": "2024-09-01T00:00:00Z",
  };

  it("CUR USE1-Lambda-GB-Second-ARM names the arm64 (Graviton2) platform; x86 names none", () => {
    const arm = records(
      cur.classify({
        ...line,
        "lineItem/ProductCode": "AWSLambda",
        "lineItem/UsageType": "USE1-Lambda-GB-Second-ARM",
        "lineItem/UsageAmount": "6219.140625",
        "pricing/unit": "Lambda-GB-Second",
      }),
    );
    // 1,769 MB × 3600 s ÷ 1024 = 6219.140625 billed GiB-seconds = 1 vCPU-hour
    expect(arm[0]).toMatchObject({
      kind: "compute",
      unit: "vcpu-hours",
      instanceType: "lambda-arm64",
    });
    expect(arm[0]?.quantity).toBeCloseTo(1, 12);
    const x86 = records(
      cur.classify({
        ...line,
        "lineItem/ProductCode": "AWSLambda",
        "lineItem/UsageType": "USE1-Lambda-GB-Second",
        "lineItem/UsageAmount": "6219.140625",
        "pricing/unit": "Lambda-GB-Second",
      }),
    );
    expect(x86[0]?.instanceType).toBeUndefined();
  });

  it("CUR USE2-CPUCredits:t3 and CPUCredits:db.t3 (vCPU-Hours) are surplus CPU time of the family, not dropped", () => {
    const ec2 = records(
      cur.classify({
        ...line,
        "lineItem/ProductCode": "AmazonEC2",
        "lineItem/UsageType": "USE2-CPUCredits:t3",
        "lineItem/UsageAmount": "0.5",
        "lineItem/UnblendedCost": "0.025",
        "pricing/unit": "vCPU-Hours",
      }),
    );
    expect(ec2).toEqual([
      expect.objectContaining({
        kind: "compute",
        unit: "surplus-vcpu-hours",
        quantity: 0.5,
        instanceType: "t3",
        costAmount: 0.025,
      }),
    ]);
    const rds = records(
      cur.classify({
        ...line,
        "lineItem/ProductCode": "AmazonRDS",
        "lineItem/UsageType": "CPUCredits:db.t3",
        "lineItem/UsageAmount": "2",
        "pricing/unit": "vCPU-Hours",
      }),
    );
    expect(rds[0]).toMatchObject({ unit: "surplus-vcpu-hours", quantity: 2, instanceType: "t3" });
  });
});

describe("GCP shared-core machines", () => {
  it("the real e2-medium core line keeps its billed vCPU share and names the machine", async () => {
    const { outcome } = await sampleLine("gcp/tmp_example.csv", {
      "sku.description": "E2 Instance Core running in Americas",
      "usage.amount": "3599.929157",
    });
    expect(records(outcome)[0]).toMatchObject({
      kind: "compute",
      unit: "vcpu-hours",
      quantity: 3599.929157 / 3600,
      instanceType: "e2-medium",
    });
  });

  it("the real e2-medium RAM line names its machine type, so the SPECpower share can be subtracted", async () => {
    const { outcome } = await sampleLine("gcp/tmp_example.csv", {
      "sku.description": "E2 Instance Ram running in Americas",
      "usage.amount": "15461937639360.0",
    });
    const [ram] = records(outcome);
    expect(ram).toMatchObject({ kind: "memory", unit: "gb-hours", instanceType: "e2-medium" });
    expect(ram?.quantity).toBeCloseTo(15461937639360 / 2 ** 30 / 3600, 12);
  });

  it("f1-micro ('Micro Instance with burstable CPU', documented format) is instance-hours, not vCPU-hours", () => {
    const gcp = createGcpClassifier([
      "service.description",
      "sku.description",
      "usage_start_time",
      "usage.amount",
      "usage.unit",
      "project.id",
      "location.region",
    ]);
    const [micro] = records(
      gcp.classify({
        "service.description": "Compute Engine",
        "sku.description": "Micro Instance with burstable CPU running in Americas",
        usage_start_time: "2024-06-01 10:00:00 UTC",
        "usage.amount": "3600",
        "usage.unit": "seconds",
        "project.id": "acme",
        "location.region": "us-central1",
      }),
    );
    expect(micro).toMatchObject({
      kind: "compute",
      unit: "instance-hours",
      quantity: 1,
      instanceType: "f1-micro",
    });
  });
});
