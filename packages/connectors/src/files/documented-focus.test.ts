/**
 * The documented-format FOCUS 1.3 file (test/documented/README.md): long-tail providers, host clouds,
 * marketplace sellers and split cost allocation. Expectations are the README's, written from the
 * file's rows by hand, not read back from the classifier.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEstimator, type UsageRecord } from "@canopy/methodology";
import { detectFormat } from "../classify/detect-format";
import { allocatedQuantityShare, createFocusClassifier } from "../classify/focus";
import type { ClassifyOutcome } from "../classify/types";
import { openBillingSource } from "./open-billing-file";

const file = join(import.meta.dirname, "../../test/documented/focus-1.3-long-tail.csv");

async function readAll(): Promise<{ outcomes: ClassifyOutcome[]; records: UsageRecord[] }> {
  const { file: source, classifier } = await openBillingSource(file, {});
  const outcomes: ClassifyOutcome[] = [];
  for await (const batch of source.batches({ columns: classifier.usedColumns, numericColumns: classifier.numericColumns })) {
    for (const { lineNumber, row, error } of batch) {
      if (error) throw new Error(`line ${lineNumber}: ${error}`);
      outcomes.push(classifier.classify(row, lineNumber));
    }
  }
  return { outcomes, records: outcomes.flatMap((o) => (o.status === "error" ? [] : o.records)) };
}

describe("FOCUS 1.3 documented file: long-tail providers and split cost allocation", () => {
  it("every line is in the ledger: records add up to the bill, $9.066", async () => {
    const { outcomes, records } = await readAll();
    expect(outcomes.filter((o) => o.status === "error")).toEqual([]);
    expect(outcomes).toHaveLength(13);
    expect(records.reduce((sum, r) => sum + (r.costAmount ?? 0), 0)).toBeCloseTo(9.066, 9);
  });

  it("Vercel on AWS: its own account, the host's region, usage by unit and service category", async () => {
    const vercel = (await readAll()).records.filter((r) => r.accountId === "Vercel:prj_shop");
    expect(vercel.map((r) => [r.provider, r.region, r.kind, r.unit, r.quantity, r.usageType ?? ""])).toEqual([
      ["other", "aws/us-east-1", "memory", "gb-hours", 100, ""],
      ["other", "aws/us-east-1", "other", "none", 0, "internet-egress"],
      ["other", "aws/us-east-1", "other", "none", 1_000_000, ""],
    ]);
    expect(vercel[0]?.tags).toEqual({ team: "web" });
    expect(vercel[0]?.resourceId).toBe("fn_checkout");
  });

  it("Cloudflare without a host cloud is spend-based; a seller on the AWS invoice is marketplace", async () => {
    const { outcomes } = await readAll();
    expect(outcomes[3]).toMatchObject({ status: "unsupported", reason: "provider-not-supported", costAmount: 0.3 });
    expect(outcomes[3]?.status !== "error" && outcomes[3]?.records[0]).toMatchObject({ provider: "other", accountId: "Cloudflare:zone_shop", region: "" });
    expect(outcomes[4]).toMatchObject({ status: "unsupported", reason: "marketplace", costAmount: 5 });
  });

  it("IBM Cloud, Alibaba Cloud and OCI rows keep their own provider and region (A1: 1 OCPU = 1 vCPU)", async () => {
    const { records } = await readAll();
    const own = records.filter((r) => ["ibm", "alibaba", "oci"].includes(r.provider));
    expect(own.map((r) => [r.provider, r.region, r.kind, r.unit, r.quantity])).toEqual([
      ["ibm", "us-south", "compute", "vcpu-hours", 8],
      ["alibaba", "cn-beijing", "compute", "vcpu-hours", 4],
      ["oci", "eu-frankfurt-1", "compute", "vcpu-hours", 4],
    ]);
  });

  it("allocated charges count once whether the generator split the quantity (10:00) or repeated it (11:00)", async () => {
    const ec2 = (await readAll()).records.filter((r) => r.instanceType === "m5.xlarge");
    const byHour = (hour: string) => ec2.filter((r) => r.periodStart.startsWith(`2026-05-01T${hour}`));
    for (const hour of ["10", "11"]) {
      expect(byHour(hour).map((r) => [r.resourceId, r.tags?.["k8s-namespace"], r.tags?.["cluster"]])).toEqual([
        ["pod/checkout-7d9f", "checkout", "prod"],
        ["pod/search-7d9f", "search", "prod"],
      ]);
      expect(byHour(hour)[0]?.quantity).toBeCloseTo(0.75, 12);
      expect(byHour(hour)[1]?.quantity).toBeCloseTo(0.25, 12);
    }
    expect(byHour("12").map((r) => [r.resourceId, r.quantity])).toEqual([["i-0abc123", 1]]);
    // The split hours estimate exactly as the unsplit one.
    const estimator = createEstimator();
    const kg = (records: UsageRecord[]) => records.reduce((sum, r) => sum + estimator.estimate(r).co2eLocationKg, 0);
    expect(kg(byHour("10"))).toBeCloseTo(kg(byHour("12")), 12);
    expect(kg(byHour("11"))).toBeCloseTo(kg(byHour("12")), 12);
    expect(kg(byHour("12"))).toBeGreaterThan(0);
  });

  it("allocatedQuantityShare: 1 when quantities were split or prices are missing, the cost share when repeated", () => {
    expect(allocatedQuantityShare(0.75, 0.192, 0.144)).toBe(1);
    expect(allocatedQuantityShare(1, 0.192, 0.048)).toBeCloseTo(0.25, 12);
    expect(allocatedQuantityShare(undefined, 0.192, 0.048)).toBe(1);
    expect(allocatedQuantityShare(1, 0, 0)).toBe(1);
  });

  it("FOCUS 1.4 headers without ProviderName and PublisherName read ServiceProviderName", () => {
    expect(detectFormat(["ChargeCategory", "ChargePeriodStart", "ServiceProviderName", "HostProviderName", "ServiceName", "BilledCost", "ConsumedQuantity", "ConsumedUnit"])).toEqual({ ok: true, format: "focus" });
    const focus = createFocusClassifier(["ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "ServiceProviderName", "HostProviderName", "ServiceName", "ServiceCategory", "ConsumedQuantity", "ConsumedUnit", "BilledCost", "BillingCurrency", "RegionId", "SubAccountId"]);
    const outcome = focus.classify({
      ChargeCategory: "Usage",
      ChargePeriodStart: "2026-05-01T00:00:00Z",
      ChargePeriodEnd: "2026-05-01T01:00:00Z",
      ServiceProviderName: "Oracle",
      HostProviderName: "Oracle",
      ServiceName: "COMPUTE",
      ServiceCategory: "Compute",
      ConsumedQuantity: "2",
      ConsumedUnit: "OCPU Hours",
      BilledCost: "0.05",
      BillingCurrency: "USD",
      RegionId: "us-ashburn-1",
      SubAccountId: "ocid1.tenancy.oc1..example",
    });
    expect(outcome.status === "usage" && outcome.records[0]).toMatchObject({ provider: "oci", kind: "compute", unit: "vcpu-hours", quantity: 4, region: "us-ashburn-1" });
  });
});
