import { describe, expect, it } from "vitest";
import { createAzureClassifier } from "./azure-cost-details";
import { detectFormat } from "./detect-format";
import { createFocusClassifier } from "./focus";
import { createGcpClassifier } from "./gcp-billing-export";
import type { ClassifyOutcome } from "./types";

function records(outcome: ClassifyOutcome) {
  if (outcome.status !== "usage") throw new Error(`expected usage, got ${JSON.stringify(outcome)}`);
  return outcome.records;
}

describe("Azure cost details", () => {
  // MCA casing on purpose: matching is case-insensitive.
  const azure = createAzureClassifier([
    "date",
    "subscriptionId",
    "chargeType",
    "meterCategory",
    "meterSubCategory",
    "meterName",
    "quantity",
    "unitOfMeasure",
    "costInBillingCurrency",
    "billingCurrency",
    "resourceLocation",
    "Location",
    "additionalInfo",
  ]);
  const base = { date: "09/04/2023", subscriptionId: "7C3A1F0E-1111-4A2B-9C3D-123456789ABC", chargeType: "Usage", billingCurrency: "USD", resourceLocation: "EastUS2" };

  it("reads VMs with AdditionalInfo and '10 Hours' blocks", () => {
    const [vm] = records(
      azure.classify({
        ...base,
        meterCategory: "Virtual Machines",
        meterSubCategory: "Dv3/DSv3 Series",
        meterName: "D2 v3/D2s v3",
        quantity: "2.4",
        unitOfMeasure: "10 Hours",
        costInBillingCurrency: "2.64",
        additionalInfo: '{"ServiceType":"Standard_D2s_v3","VCPUs":2}',
      }),
    );
    expect(vm).toMatchObject({
      provider: "azure",
      kind: "compute",
      unit: "vcpu-hours",
      quantity: 48,
      instanceType: "Standard_D2s_v3",
      region: "eastus2",
      periodStart: "2023-09-04T00:00:00.000Z",
      periodHours: 24,
      costAmount: 2.64,
    });
  });

  it("derives the VM size from the meter name when AdditionalInfo has none (Spot)", () => {
    const [vm] = records(azure.classify({ ...base, meterCategory: "Virtual Machines", meterName: "DS4 v2 Spot", quantity: "1", unitOfMeasure: "1 Hour" }));
    expect(vm).toMatchObject({ unit: "instance-hours", quantity: 1, instanceType: "Standard_DS4_v2" });
  });

  it("counts managed disks by tier size and '100 GB/Month' storage with its multiplier", () => {
    const [disk] = records(
      azure.classify({ ...base, meterCategory: "Storage", meterSubCategory: "Premium SSD Managed Disks", meterName: "P10 LRS Disk", quantity: "0.033336", unitOfMeasure: "1/Month" }),
    );
    // 0.033336 disk-months × 720 h × 128 GiB × 2^30 / 10^12 = 3.2988 decimal TB-hours
    expect(disk).toMatchObject({ kind: "storage", storageClass: "ssd", replicationHint: 3 });
    expect(disk?.quantity).toBeCloseTo((0.033336 * 720 * 128 * 2 ** 30) / 1e12, 10);
    const [blob] = records(
      azure.classify({ ...base, meterCategory: "Storage", meterSubCategory: "Blob Storage", meterName: "Hot RA-GRS Data Stored", quantity: "0.5", unitOfMeasure: "100 GB/Month" }),
    );
    // Blob storage names no medium: left to the estimator's flagged default
    expect(blob).toMatchObject({ replicationHint: 6 });
    expect(blob?.storageClass).toBeUndefined();
    expect(blob?.quantity).toBeCloseTo((0.5 * 100 * 720 * 2 ** 30) / 1e12, 10);
  });

  it("takes the location display name when ResourceLocation is empty", () => {
    const [row] = records(
      azure.classify({ ...base, resourceLocation: "", Location: "US East", meterCategory: "Bandwidth", meterSubCategory: "Inter-Region", meterName: "Intra Continent Data Transfer Out", quantity: "3", unitOfMeasure: "1 GB" }),
    );
    expect(row).toMatchObject({ kind: "network", quantity: 3, region: "eastus" });
  });

  it("reports purchases and licenses as unsupported, and nets negative quantities", () => {
    expect(azure.classify({ ...base, chargeType: "Purchase", meterCategory: "Virtual Machines", meterName: "B1s", quantity: "1", unitOfMeasure: "1 Hour", costInBillingCurrency: "3.25" })).toMatchObject({
      status: "unsupported",
      reason: "purchase",
      costAmount: 3.25,
    });
    expect(
      azure.classify({ ...base, meterCategory: "SQL Managed Instance", meterSubCategory: "Managed Instance General Purpose - SQL License", meterName: "vCore", quantity: "2", unitOfMeasure: "1 Hour" }),
    ).toMatchObject({ status: "unsupported", reason: "software-license" });
    const [correction] = records(azure.classify({ ...base, meterCategory: "Storage", meterName: "LRS Data Stored", quantity: "-1", unitOfMeasure: "1 GB/Month" }));
    expect(correction).toMatchObject({ kind: "storage", unit: "tb-hours", replicationHint: 3 });
    expect(correction?.quantity).toBeCloseTo((-1 * 720 * 2 ** 30) / 1e12, 12);
  });

  it("errors on dates it cannot read", () => {
    expect(azure.classify({ ...base, date: "2023/31/12", meterCategory: "Storage", meterName: "x", quantity: "1", unitOfMeasure: "1 GB" })).toMatchObject({
      status: "error",
      message: expect.stringContaining("date"),
    });
  });
});

describe("GCP billing export", () => {
  const gcp = createGcpClassifier([
    "service.description",
    "sku.description",
    "usage_start_time",
    "usage_end_time",
    "project.id",
    "location.region",
    "location.location",
    "cost",
    "currency",
    "usage.amount",
    "usage.unit",
    "cost_type",
    "system_labels",
  ]);
  const hour = {
    "usage_start_time": "2026-05-07 10:00:00+00:00",
    "usage_end_time": "2026-05-07 11:00:00+00:00",
    "project.id": "acme",
    "location.region": "us-central1",
    "location.location": "us-central1-a",
    currency: "USD",
    cost_type: "regular",
  };
  const labels = "[{'key': 'compute.googleapis.com/machine_spec', 'value': 'n2d-standard-4'}, {'key': 'compute.googleapis.com/cores', 'value': '4'}]";

  it("reads vCPU-seconds, RAM byte-seconds and PD byte-seconds", () => {
    const [core] = records(gcp.classify({ ...hour, "service.description": "Compute Engine", "sku.description": "N2D AMD Instance Core running in Americas", "usage.amount": "14400", "usage.unit": "seconds", system_labels: labels }));
    expect(core).toMatchObject({ kind: "compute", unit: "vcpu-hours", quantity: 4, instanceType: "n2d-standard-4", vcpus: 4, periodHours: 1 });
    const [ram] = records(gcp.classify({ ...hour, "service.description": "Compute Engine", "sku.description": "N2D AMD Instance Ram running in Americas", "usage.amount": String(16 * 2 ** 30 * 3600), "usage.unit": "byte-seconds", system_labels: labels }));
    expect(ram).toMatchObject({ kind: "memory", unit: "gb-hours", quantity: 16 });
    const [pd] = records(gcp.classify({ ...hour, "service.description": "Compute Engine", "sku.description": "SSD backed PD Capacity", "usage.amount": String(1e12 * 3600), "usage.unit": "byte-seconds" }));
    expect(pd).toMatchObject({ kind: "storage", unit: "tb-hours", storageClass: "ssd" });
    expect(pd?.quantity).toBeCloseTo(1, 12); // 10^12 bytes for an hour = 1 decimal TB-hour
  });

  it("reads GPUs, egress and multi-regions", () => {
    const [gpu] = records(gcp.classify({ ...hour, "service.description": "Compute Engine", "sku.description": "Nvidia Tesla T4 GPU running in Americas", "usage.amount": "7200", "usage.unit": "seconds" }));
    expect(gpu).toMatchObject({ kind: "gpu", unit: "gpu-hours", quantity: 2, gpuModel: "Nvidia Tesla T4" });
    const [egress] = records(
      gcp.classify({ ...hour, "location.region": "", "location.location": "us", "service.description": "Compute Engine", "sku.description": "Network Inter Region Egress from Americas to EMEA", "usage.amount": String(2 ** 30), "usage.unit": "bytes" }),
    );
    expect(egress).toMatchObject({ kind: "network", quantity: 1, region: "us" });
  });

  it("reports license fees and tax as unsupported", () => {
    expect(gcp.classify({ ...hour, "service.description": "Compute Engine", "sku.description": "Licensing Fee for Debian 10 Buster (CPU cost)", "usage.amount": "3600", "usage.unit": "seconds", cost: "0.01" })).toMatchObject({
      status: "unsupported",
      reason: "software-license",
      costAmount: 0.01,
    });
    expect(gcp.classify({ ...hour, cost_type: "tax", "service.description": "Tax", "sku.description": "", "usage.amount": "0", "usage.unit": "", cost: "2" })).toMatchObject({
      status: "unsupported",
      reason: "tax",
      costAmount: 2,
    });
  });
});

describe("FOCUS", () => {
  const focus = createFocusClassifier([
    "ChargeCategory",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ProviderName",
    "ServiceName",
    "ConsumedQuantity",
    "ConsumedUnit",
    "BilledCost",
    "BillingCurrency",
    "RegionId",
    "SubAccountId",
    "ChargeDescription",
    "x_UsageType",
    "x_SkuMeterName",
  ]);
  const row = {
    ChargeCategory: "Usage",
    ChargePeriodStart: "2026-05-01T00:00:00Z",
    ChargePeriodEnd: "2026-05-02T00:00:00Z",
    BillingCurrency: "USD",
    SubAccountId: "210987654321",
  };

  it("uses x_UsageType for AWS rows", () => {
    const [record] = records(
      focus.classify({ ...row, ProviderName: "AWS", ServiceName: "Amazon Elastic Compute Cloud", ConsumedQuantity: "24", ConsumedUnit: "Hours", BilledCost: "2.304", RegionId: "us-east-1", x_UsageType: "BoxUsage:m5.large" }),
    );
    expect(record).toMatchObject({ provider: "aws", kind: "compute", instanceType: "m5.large", quantity: 24, unit: "instance-hours", periodHours: 24, costAmount: 2.304 });
  });

  it("falls back to ChargeDescription when provider columns are absent", () => {
    const [azureVm] = records(
      focus.classify({ ...row, SubAccountId: "/subscriptions/7c3a1f0e-1111-4a2b-9c3d-123456789abc", ProviderName: "Microsoft", ServiceName: "Virtual Machines", ConsumedQuantity: "24", ConsumedUnit: "Hours", BilledCost: "2.3", RegionId: "eastus", ChargeDescription: "Virtual Machines Dv2/DSv2 Series - D11 v2/DS11 v2 - US East 2" }),
    );
    expect(azureVm).toMatchObject({ provider: "azure", accountId: "7c3a1f0e-1111-4a2b-9c3d-123456789abc", kind: "compute", instanceType: "Standard_D11_v2", quantity: 24 });
    const [ebs] = records(
      focus.classify({ ...row, ProviderName: "AWS", ServiceName: "Amazon Elastic Compute Cloud", ConsumedQuantity: "1024", ConsumedUnit: "GB-Months", BilledCost: "1", RegionId: "us-east-1", ChargeDescription: "$0.08 per GB-month of General Purpose (gp3) provisioned storage - US East (N. Virginia)" }),
    );
    expect(ebs).toMatchObject({ kind: "storage", storageClass: "ssd" });
    expect(ebs?.quantity).toBeCloseTo((1024 * 744 * 2 ** 30) / 1e12, 9); // May has 744 hours
  });

  it("reports non-usage charges as unsupported", () => {
    expect(focus.classify({ ...row, ChargeCategory: "Credit", ProviderName: "AWS", ServiceName: "EC2", ConsumedQuantity: "NULL", ConsumedUnit: "NULL", BilledCost: "-2.6" })).toMatchObject({
      status: "unsupported",
      reason: "credit",
      costAmount: -2.6,
    });
  });
});

describe("detectFormat", () => {
  it("recognizes every format", () => {
    expect(detectFormat(["lineItem/UsageType", "lineItem/UsageAmount", "lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode"])).toEqual({ ok: true, format: "cur" });
    expect(detectFormat(["line_item_usage_type", "line_item_usage_amount", "line_item_usage_start_date", "line_item_line_item_type", "line_item_product_code", "product"])).toEqual({
      ok: true,
      format: "cur2",
    });
    expect(detectFormat(["\uFEFFDate", "MeterCategory", "MeterName", "Quantity", "UnitOfMeasure"])).toEqual({ ok: true, format: "azure" });
    expect(detectFormat(["service.description", "sku.description", "usage_start_time", "usage.amount", "usage.unit"])).toEqual({ ok: true, format: "gcp" });
    expect(detectFormat(["ChargeCategory", "ChargePeriodStart", "ProviderName", "ServiceName", "BilledCost", "ConsumedQuantity", "ConsumedUnit"])).toEqual({ ok: true, format: "focus" });
    expect(detectFormat(["provider", "accountId", "periodStart", "periodHours", "service", "region", "kind", "quantity", "unit"])).toEqual({ ok: true, format: "usage" });
  });

  it("says which columns each format misses", () => {
    const detection = detectFormat(["Date", "Quantity", "foo"]);
    expect(detection.ok).toBe(false);
    if (detection.ok) return;
    expect(detection.missing.azure).toEqual(["MeterCategory", "MeterName", "UnitOfMeasure"]);
    expect(detection.message).toContain("azure: missing MeterCategory, MeterName, UnitOfMeasure");
    expect(detection.message).toContain("cur: missing lineItem/LineItemType");
    expect(detection.message).toContain("cur2: missing line_item_line_item_type");
  });
});

describe("GCP credits and account-level lines", () => {
  const gcp = createGcpClassifier(["service.description", "sku.description", "usage_start_time", "usage_end_time", "usage.amount", "usage.unit", "cost", "currency", "project.id", "billing_account_id", "location.region", "credits", "cost_type"]);
  const line = {
    "service.description": "Compute Engine",
    "sku.description": "E2 Instance Core running in Americas",
    usage_start_time: "2026-05-01T00:00:00Z",
    usage_end_time: "2026-05-01T01:00:00Z",
    "usage.amount": 3600,
    "usage.unit": "seconds",
    cost: 0.03,
    currency: "USD",
    "project.id": "Acme-Prod",
    billing_account_id: "010101-f0fff0-61c528",
    "location.region": "us-central1",
  };

  it("emits a JSONL/Parquet credits array as one cost-only record beside the usage", () => {
    const outcome = gcp.classify({ ...line, credits: [{ name: "SUD", amount: -0.01, type: "SUSTAINED_USAGE_DISCOUNT" }, { name: "Free", amount: -0.005 }] });
    expect(outcome.status).toBe("usage");
    const all = outcome.status === "usage" ? outcome.records : [];
    expect(all.map((record) => [record.kind, record.usageType, record.costAmount])).toEqual([
      ["compute", "E2 Instance Core running in Americas", 0.03],
      ["other", "credit", expect.closeTo(-0.015, 12)],
    ]);
    expect(all[1]).toMatchObject({ accountId: "acme-prod", billingAccountId: "010101-F0FFF0-61C528", quantity: 0, unit: "none", region: "us-central1" });
  });

  it("a line without a project belongs to the billing account", () => {
    const outcome = gcp.classify({ ...line, "project.id": "", cost_type: "tax", credits: [] });
    expect(outcome).toMatchObject({ status: "unsupported", reason: "tax", records: [{ accountId: "010101-F0FFF0-61C528", usageType: "tax", costAmount: 0.03 }] });
  });
});
