import { describe, expect, it } from "vitest";
import { createEstimator, usageRecordSchema, type UsageRecord } from "@canopy/methodology";
import { createCurClassifier } from "./aws-cur";
import type { ClassifyOutcome } from "./types";

const header = [
  "lineItem/UsageAccountId",
  "lineItem/LineItemType",
  "lineItem/UsageStartDate",
  "lineItem/UsageEndDate",
  "lineItem/ProductCode",
  "lineItem/UsageType",
  "lineItem/UsageAmount",
  "lineItem/UnblendedCost",
  "lineItem/CurrencyCode",
  "product/region",
  "product/regionCode",
  "product/instanceType",
  "product/vcpu",
  "product/memory",
  "pricing/unit",
  "resourceTags/user:team",
];

type Line = Partial<Record<(typeof header)[number], string>>;
const hour: Line = {
  "lineItem/UsageAccountId": "210987654321",
  "lineItem/LineItemType": "Usage",
  "lineItem/UsageStartDate": "2023-11-01T00:00:00.000Z",
  "lineItem/UsageEndDate": "2023-11-01T01:00:00.000Z",
  "lineItem/CurrencyCode": "USD",
};

const classifier = createCurClassifier(header, { lookupInstance: (_, type) => (type === "m5.large" ? { vcpus: 2 } : undefined) });
const classify = (line: Line): ClassifyOutcome => classifier.classify({ ...hour, ...line }, 7);

function records(outcome: ClassifyOutcome) {
  if (outcome.status !== "usage") throw new Error(`expected usage, got ${JSON.stringify(outcome)}`);
  return outcome.records;
}

describe("AWS CUR classification", () => {
  it("turns instance hours into vCPU-hours (vCPUs from the bill, else the catalog)", () => {
    const fromBill = records(
      classify({
        "lineItem/ProductCode": "AmazonEC2",
        "lineItem/UsageType": "EUC1-BoxUsage:c6i.xlarge",
        "lineItem/UsageAmount": "1.0",
        "lineItem/UnblendedCost": "0.194",
        "product/regionCode": "eu-central-1",
        "product/instanceType": "c6i.xlarge",
        "product/vcpu": "4",
        "product/memory": "8 GiB",
        "pricing/unit": "Hrs",
        "resourceTags/user:team": "search",
      }),
    );
    expect(fromBill).toEqual([
      expect.objectContaining({
        provider: "aws",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 4,
        vcpus: 4,
        memoryGb: 8,
        instanceType: "c6i.xlarge",
        region: "eu-central-1",
        periodStart: "2023-11-01T00:00:00.000Z",
        periodHours: 1,
        costAmount: 0.194,
        tags: { "user:team": "search" },
      }),
    ]);
    const fromCatalog = records(classify({ "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "SpotUsage:m5.large", "lineItem/UsageAmount": "3" }));
    expect(fromCatalog[0]).toMatchObject({ unit: "vcpu-hours", quantity: 6, instanceType: "m5.large" });
    const unknown = records(classify({ "lineItem/ProductCode": "AmazonRDS", "lineItem/UsageType": "Multi-AZUsage:db.r6g.xlarge", "lineItem/UsageAmount": "2" }));
    expect(unknown[0]).toMatchObject({ unit: "instance-hours", quantity: 2, instanceType: "r6g.xlarge", replicationHint: 2 });
  });

  it("takes the region from the usage-type prefix when product/region is empty", () => {
    const [record] = records(classify({ "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "EUW2-BoxUsage:m5.large", "lineItem/UsageAmount": "1" }));
    expect(record?.region).toBe("eu-west-2");
  });

  it("reads storage in the stated GB-Mo, also for *ByteHrs usage types (not as byte-hours)", () => {
    const [s3] = records(
      classify({ "lineItem/ProductCode": "AmazonS3", "lineItem/UsageType": "USW2-TimedStorage-ByteHrs", "lineItem/UsageAmount": "1024", "pricing/unit": "GB-Mo" }),
    );
    // 1024 GiB-months in a 720-hour month = 737,280 GiB-hours × 2^30 / 10^12 = 791.6 decimal TB-hours.
    expect(s3).toMatchObject({ kind: "storage", unit: "tb-hours", storageClass: "hdd", region: "us-west-2" });
    expect(s3?.quantity).toBeCloseTo((1024 * 720 * 2 ** 30) / 1e12, 9);
    const [gp3] = records(classify({ "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "EBS:VolumeUsage.gp3", "lineItem/UsageAmount": "0.1344086", "pricing/unit": "GB-Mo" }));
    expect(gp3?.storageClass).toBe("ssd");
    expect(gp3?.quantity).toBeCloseTo((0.1344086 * 720 * 2 ** 30) / 1e12, 12);
  });

  it("infers the unit of free-tier lines whose pricing/unit is empty", () => {
    const [volume] = records(classify({ "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "EBS:VolumeUsage.gp2", "lineItem/UsageAmount": "10" }));
    expect(volume).toMatchObject({ kind: "storage", unit: "tb-hours" });
    const [transfer] = records(classify({ "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "DataTransfer-Regional-Bytes", "lineItem/UsageAmount": "2" }));
    expect(transfer).toMatchObject({ kind: "network", unit: "gb", quantity: 2 });
  });

  it("counts egress but not ingress as network", () => {
    const out = records(classify({ "lineItem/ProductCode": "AmazonS3", "lineItem/UsageType": "USE1-USW2-AWS-Out-Bytes", "lineItem/UsageAmount": "5", "pricing/unit": "GB" }));
    expect(out[0]).toMatchObject({ kind: "network", quantity: 5 });
    const ingress = records(classify({ "lineItem/ProductCode": "AmazonS3", "lineItem/UsageType": "USW2-USE1-AWS-In-Bytes", "lineItem/UsageAmount": "5", "pricing/unit": "GB" }));
    expect(ingress[0]).toMatchObject({ kind: "other", unit: "none" });
  });

  it("splits Lambda GB-seconds into vCPU share and memory", () => {
    const lambda = records(classify({ "lineItem/ProductCode": "AWSLambda", "lineItem/UsageType": "Lambda-GB-Second", "lineItem/UsageAmount": "7200", "pricing/unit": "Lambda-GB-Second" }));
    expect(lambda.map((r) => [r.kind, r.unit])).toEqual([
      ["compute", "vcpu-hours"],
      ["memory", "gb-hours"],
    ]);
    // 1,769 MB per vCPU and billed GB = MB ÷ 1024: 2 GiB-hours ÷ (1769 ÷ 1024) vCPU-hours
    expect(lambda[0]?.quantity).toBeCloseTo((2 * 1024) / 1769, 12);
    expect(lambda[1]?.quantity).toBe(2);
    expect(lambda.map((r) => r.costAmount)).toEqual([0, 0]);
  });

  it("reports money-only lines as unsupported with their cost", () => {
    const cases: [Line, string, number][] = [
      [{ "lineItem/LineItemType": "Tax", "lineItem/ProductCode": "AmazonEC2", "lineItem/UnblendedCost": "1.25" }, "tax", 1.25],
      [{ "lineItem/LineItemType": "Credit", "lineItem/ProductCode": "AmazonEC2", "lineItem/UnblendedCost": "-3" }, "credit", -3],
      [{ "lineItem/LineItemType": "SavingsPlanNegation", "lineItem/ProductCode": "AmazonEC2", "lineItem/UnblendedCost": "-0.5" }, "savings-plan-negation", -0.5],
      [{ "lineItem/LineItemType": "SavingsPlanRecurringFee", "lineItem/ProductCode": "ComputeSavingsPlans", "lineItem/UnblendedCost": "9" }, "savings-plan-fee", 9],
      [{ "lineItem/LineItemType": "RIFee", "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "HeavyUsage:m5.large", "lineItem/UnblendedCost": "21.6" }, "reservation-fee", 21.6],
      [{ "lineItem/LineItemType": "Fee", "lineItem/ProductCode": "AWSSupportBusiness", "lineItem/UnblendedCost": "100" }, "support", 100],
      [{ "lineItem/LineItemType": "Refund", "lineItem/ProductCode": "AmazonS3", "lineItem/UnblendedCost": "-2" }, "refund", -2],
      [{ "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "EBSOptimized:c5.large", "lineItem/UsageAmount": "1", "lineItem/UnblendedCost": "0" }, "surcharge-on-counted-usage", 0],
    ];
    for (const [line, reason, cost] of cases) {
      expect(classify(line)).toMatchObject({ status: "unsupported", reason, costAmount: cost, currency: "USD" });
    }
  });

  it("reports unreadable values as row errors", () => {
    expect(classify({ "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "BoxUsage:m5.large", "lineItem/UsageAmount": "abc" })).toEqual({
      status: "error",
      message: 'lineItem/UsageAmount is not a number: "abc"',
    });
    expect(classify({ "lineItem/LineItemType": "Mystery", "lineItem/ProductCode": "AmazonEC2" })).toMatchObject({ status: "error" });
    expect(classify({ "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "BoxUsage:m5.large", "lineItem/UsageAmount": "1", "lineItem/UsageStartDate": "yesterday" })).toMatchObject({
      status: "error",
      message: expect.stringContaining("lineItem/UsageStartDate"),
    });
  });

  it("reads CUR 2.0 / Athena snake_case columns and the product map", () => {
    const cur2 = createCurClassifier([
      "line_item_usage_account_id",
      "line_item_line_item_type",
      "line_item_usage_start_date",
      "line_item_product_code",
      "line_item_usage_type",
      "line_item_usage_amount",
      "product_region_code",
      "product_instance_type",
      "product",
      "pricing_unit",
    ]);
    expect(cur2.format).toBe("cur2");
    const outcome = cur2.classify({
      line_item_usage_account_id: "1",
      line_item_line_item_type: "SavingsPlanCoveredUsage",
      line_item_usage_start_date: new Date(Date.UTC(2026, 4, 1)),
      line_item_product_code: "AmazonEC2",
      line_item_usage_type: "USE2-BoxUsage:m7g.xlarge",
      line_item_usage_amount: 2,
      product_region_code: "us-east-2",
      product_instance_type: "m7g.xlarge",
      product: '{"vcpu":"4","memory":"16 GiB"}',
      pricing_unit: "Hrs",
    });
    expect(records(outcome)[0]).toMatchObject({ unit: "vcpu-hours", quantity: 8, vcpus: 4, memoryGb: 16, region: "us-east-2" });
  });
});

describe("ledger: accounts, cost-only records, corrections", () => {
  it("zero-pads an 11-digit account id with a warning and records the payer", () => {
    const withPayer = createCurClassifier([...header, "bill/PayerAccountId"]);
    const outcome = withPayer.classify({
      ...hour,
      "lineItem/UsageAccountId": "10987654321",
      "bill/PayerAccountId": "836060457634",
      "lineItem/ProductCode": "AmazonS3",
      "lineItem/UsageType": "Requests-Tier1",
      "lineItem/UsageAmount": "10",
      "lineItem/UnblendedCost": "0.01",
    });
    expect(outcome).toMatchObject({
      status: "usage",
      warning: "account id 10987654321 had 11 digits; read as 010987654321",
      records: [{ accountId: "010987654321", billingAccountId: "836060457634" }],
    });
  });

  it("a tax line keeps its account, time, service and region as a cost-only record", () => {
    const outcome = classify({ "lineItem/LineItemType": "Tax", "lineItem/ProductCode": "AmazonS3", "lineItem/UnblendedCost": "0.02", "product/region": "ca-central-1" });
    expect(outcome).toEqual({
      status: "unsupported",
      reason: "tax",
      detail: "Tax AmazonS3",
      costAmount: 0.02,
      currency: "USD",
      records: [
        {
          provider: "aws",
          accountId: "210987654321",
          periodStart: "2023-11-01T00:00:00.000Z",
          periodHours: 1,
          service: "AmazonS3",
          region: "ca-central-1",
          kind: "other",
          quantity: 0,
          unit: "none",
          usageType: "tax",
          costAmount: 0.02,
          currency: "USD",
        },
      ],
    });
  });

  it("a money-only line without a usable account keeps its cost but no record, and says why", () => {
    const outcome = classify({ "lineItem/LineItemType": "Tax", "lineItem/UsageAccountId": "", "lineItem/UnblendedCost": "1" });
    expect(outcome).toMatchObject({ status: "unsupported", reason: "tax", costAmount: 1, records: [] });
    expect(outcome.status === "unsupported" && outcome.detail).toBe("Tax (no cost record: lineItem/UsageAccountId is empty)");
    expect(classify({ "lineItem/LineItemType": "Tax", "lineItem/UsageStartDate": "", "lineItem/UnblendedCost": "1" })).toMatchObject({ records: [] });
  });

  it("an invalid account id is a row error that refuses the file (accountId set)", () => {
    expect(
      classify({ "lineItem/UsageAccountId": "acct-1", "lineItem/ProductCode": "AmazonS3", "lineItem/UsageType": "Requests-Tier1", "lineItem/UsageAmount": "1" }),
    ).toEqual({ status: "error", message: 'AWS account id "acct-1" is not a 12-digit account id (digits only)', accountId: true });
  });

  it("a negative usage correction nets against the usage it corrects, and the estimator stays linear", () => {
    const line: Line = {
      "lineItem/ProductCode": "AmazonEC2",
      "lineItem/UsageType": "BoxUsage:m5.large",
      "product/instanceType": "m5.large",
      "product/vcpu": "2",
      "product/regionCode": "us-east-1",
      "pricing/unit": "Hrs",
    };
    const [usage] = records(classify({ ...line, "lineItem/UsageAmount": "3", "lineItem/UnblendedCost": "0.288" }));
    const [correction] = records(classify({ ...line, "lineItem/UsageAmount": "-3", "lineItem/UnblendedCost": "-0.288" }));
    expect(usage).toMatchObject({ kind: "compute", unit: "vcpu-hours", quantity: 6 });
    expect(correction).toMatchObject({ kind: "compute", unit: "vcpu-hours", quantity: -6, costAmount: -0.288 });
    expect(usageRecordSchema.safeParse(correction).success).toBe(true);
    const estimator = createEstimator();
    const plus = estimator.estimate(usage as UsageRecord);
    const minus = estimator.estimate(correction as UsageRecord);
    expect(plus.kwhIt).toBeGreaterThan(0);
    expect(minus.kwhIt).toBeCloseTo(-plus.kwhIt, 12);
    expect(minus.co2eLocationKg).toBeCloseTo(-plus.co2eLocationKg, 12);
    expect(minus.embodiedKg).toBeCloseTo(-plus.embodiedKg, 12);
  });
});
