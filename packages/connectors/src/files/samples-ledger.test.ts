/**
 * Every billing line keeps its place in the ledger: for each real sample in test/samples, the records
 * the classifier produces (usage records and the cost-only records of tax, credit, fee, licence…
 * lines) add up to the file's own cost column per account and month, and name the same services and
 * regions. The expected side is computed here from the file itself with a small CSV parser (or
 * hyparquet for Parquet), not through the classifiers; only the canonical names come from the shared
 * tables (account-ids.ts, services.ts), since those are the point.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { describe, expect, it } from "vitest";
import type { UsageRecord } from "@canopy/methodology";
import { canonicalAccountId } from "../classify/account-ids";
import { canonicalService } from "../classify/services";
import { openBillingSource } from "./open-billing-file";

const samples = join(import.meta.dirname, "../../test/samples");

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF), BOM dropped; rows as header → value. */
function parseCsv(path: string): Record<string, string>[] {
  const text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  const rows: string[][] = [];
  let field = "";
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header = [], ...data] = rows.filter((r) => r.length > 1 || r[0] !== "");
  return data.map((r) => Object.fromEntries(header.map((name, index) => [name, r[index] ?? ""])));
}

type Ledger = { total: number; byAccountMonth: Map<string, number>; services: Set<string>; regions: Set<string> };

function emptyLedger(): Ledger {
  return { total: 0, byAccountMonth: new Map(), services: new Set(), regions: new Set() };
}
function add(ledger: Ledger, account: string, month: string, cost: number, service: string, region: string) {
  ledger.total += cost;
  const key = `${account} ${month}`;
  ledger.byAccountMonth.set(key, (ledger.byAccountMonth.get(key) ?? 0) + cost);
  ledger.services.add(service);
  ledger.regions.add(region);
}

type Classified = {
  ledger: Ledger;
  records: UsageRecord[];
  errors: Map<number, string>;
  warnings: number;
  emptyUnsupported: number;
};

async function classifyAll(relativePath: string): Promise<Classified> {
  const { file, classifier } = await openBillingSource(join(samples, relativePath), { includeTags: false });
  const out: Classified = { ledger: emptyLedger(), records: [], errors: new Map(), warnings: 0, emptyUnsupported: 0 };
  for await (const batch of file.batches({ columns: classifier.usedColumns, numericColumns: classifier.numericColumns })) {
    for (const { lineNumber, row, error } of batch) {
      if (error) {
        out.errors.set(lineNumber, error);
        continue;
      }
      const outcome = classifier.classify(row, lineNumber);
      if (outcome.status === "error") {
        out.errors.set(lineNumber, outcome.message);
        continue;
      }
      if (outcome.warning !== undefined) out.warnings++;
      if (outcome.status === "unsupported" && outcome.records.length === 0) out.emptyUnsupported++;
      for (const record of outcome.records) {
        out.records.push(record);
        add(out.ledger, record.accountId, record.periodStart.slice(0, 7), record.costAmount ?? 0, record.service, record.region);
      }
    }
  }
  return out;
}

function expectSameLedger(actual: Ledger, expected: Ledger) {
  expect(actual.total).toBeCloseTo(expected.total, 6);
  expect([...actual.byAccountMonth.keys()].sort()).toEqual([...expected.byAccountMonth.keys()].sort());
  for (const [key, cost] of expected.byAccountMonth) expect(actual.byAccountMonth.get(key), key).toBeCloseTo(cost, 6);
  expect([...actual.services].sort()).toEqual([...expected.services].sort());
  expect([...actual.regions].sort()).toEqual([...expected.regions].sort());
}

const num = (text: string | undefined) => (text === undefined || text === "" || text === "NULL" ? 0 : Number(text));
const usDateMonth = (text: string) => {
  const [m = "", , y = ""] = text.split("/");
  return `${y}-${m.padStart(2, "0")}`;
};

describe("sample exports: cost tie-out, services and regions", () => {
  it("AWS CUR CSV: every line (usage and Canada tax) is in the ledger", async () => {
    const rows = parseCsv(join(samples, "aws/sample-anonymous-aws-export-dataset.csv"));
    const expected = emptyLedger();
    for (const r of rows) {
      add(
        expected,
        r["lineItem/UsageAccountId"] ?? "",
        (r["lineItem/UsageStartDate"] ?? "").slice(0, 7),
        num(r["lineItem/UnblendedCost"]),
        canonicalService("aws", r["lineItem/ProductCode"] ?? ""),
        r["product/regionCode"] || (r["product/region"] ?? ""),
      );
    }
    const s = await classifyAll("aws/sample-anonymous-aws-export-dataset.csv");
    expect(s.errors.size).toBe(0);
    expect(s.records.length).toBe(1281);
    expect(s.records.filter((record) => record.usageType === "tax").length).toBe(12);
    expect(s.records.every((record) => record.billingAccountId === "123412340534")).toBe(true);
    expectSameLedger(s.ledger, expected);
  });

  it.each(["Oct", "Nov", "Dec"])("AWS CUR Parquet (%s 2018): RI fees and EBS-optimized surcharges keep their cost", async (month) => {
    const path = join(samples, `aws/${month}2018-WorkshopCUR-00001.snappy.parquet`);
    const buffer = readFileSync(path);
    const rows = (await parquetReadObjects({
      file: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength),
      compressors,
      columns: ["line_item_usage_account_id", "line_item_usage_start_date", "line_item_unblended_cost", "line_item_product_code", "product_region"],
    })) as Record<string, unknown>[];
    const expected = emptyLedger();
    for (const r of rows) {
      const start = r["line_item_usage_start_date"];
      add(
        expected,
        String(r["line_item_usage_account_id"]),
        (start instanceof Date ? start.toISOString() : String(start)).slice(0, 7),
        Number(r["line_item_unblended_cost"] ?? 0),
        canonicalService("aws", String(r["line_item_product_code"] ?? "")),
        String(r["product_region"] ?? ""),
      );
    }
    const s = await classifyAll(`aws/${month}2018-WorkshopCUR-00001.snappy.parquet`);
    expect(s.errors.size).toBe(0);
    expect(s.emptyUnsupported).toBe(0);
    expect(s.records.every((record) => record.billingAccountId === "836060457634")).toBe(true);
    expectSameLedger(s.ledger, expected);
  });

  it.each([
    ["azure/EA_ActualCost_Small.csv", "Cost"],
    ["azure/EA_AmortizedCost_Small.csv", "Cost"],
    ["azure/sample-anonymous-ea-export-dataset.csv", "CostInBillingCurrency"],
    ["azure/camel_azure_version_2.csv", "costInBillingCurrency"],
  ])("Azure %s: purchases and licences keep their cost", async (file, costColumn) => {
    const rows = parseCsv(join(samples, file));
    const lower = (r: Record<string, string>, name: string) =>
      Object.entries(r).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? "";
    const expected = emptyLedger();
    rows.forEach((r) => {
      // The anonymised export shortened two GUIDs; those lines are kept under the id as written.
      const subscription = lower(r, "SubscriptionId");
      add(
        expected,
        subscription.toLowerCase(),
        usDateMonth(lower(r, "Date")),
        num(r[costColumn]),
        canonicalService("azure", lower(r, "MeterCategory")),
        lower(r, "ResourceLocation").toLowerCase().replace(/\s+/g, ""),
      );
    });
    const s = await classifyAll(file);
    expect([...s.errors.keys()]).toEqual([]);
    expect(s.emptyUnsupported).toBe(0);
    expect(s.records.every((record) => record.billingAccountId !== undefined)).toBe(true);
    expectSameLedger(s.ledger, expected);
  });

  it.each(["gcp/tmp_example.csv", "gcp/202011_30c31bca571d9b7f3b2c8459dd8bc34a_2020-11-08_2020-11-11.csv"])(
    "GCP %s: cost + credits = the invoice total",
    async (file) => {
      const rows = parseCsv(join(samples, file));
      const expected = emptyLedger();
      let credits = 0;
      for (const r of rows) {
        const credit = [...(r["credits"] ?? "").matchAll(/'amount': ([-\d.e]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
        credits += credit;
        add(
          expected,
          r["project.id"] ?? "",
          (r["usage_start_time"] ?? "").slice(0, 7),
          num(r["cost"]) + credit,
          canonicalService("gcp", r["service.description"] ?? ""),
          r["location.region"] || (r["location.location"] ?? ""),
        );
      }
      const s = await classifyAll(file);
      expect(s.errors.size).toBe(0);
      const creditRecords = s.records.filter((record) => record.usageType === "credit");
      expect(creditRecords.reduce((sum, record) => sum + (record.costAmount ?? 0), 0)).toBeCloseTo(credits, 12);
      expect(creditRecords.every((record) => record.kind === "other" && record.quantity === 0 && record.unit === "none")).toBe(true);
      expect(s.records.every((record) => record.billingAccountId === rows[0]?.["billing_account_id"])).toBe(true);
      expectSameLedger(s.ledger, expected);
    },
  );

  it("GCP credits sample: the free-trial credits cancel the cost", async () => {
    const s = await classifyAll("gcp/202011_30c31bca571d9b7f3b2c8459dd8bc34a_2020-11-08_2020-11-11.csv");
    // python: sum(cost) = 3.2e-05; 8 rows carry FreeTrial credits summing to -3.2e-05.
    expect(s.records.filter((record) => record.usageType === "credit").length).toBe(8);
    expect(s.ledger.total).toBeCloseTo(0, 12);
    expect(s.ledger.services).toEqual(new Set(["Cloud Logging", "Security Command Center", "BigQuery"]));
  });

  it("FOCUS multi-provider sample: every AWS, Microsoft and Oracle line is in the ledger", async () => {
    const rows = parseCsv(join(samples, "focus/focus_sample.csv"));
    const expected = emptyLedger();
    const providerOf: Record<string, "aws" | "azure" | "oci"> = { AWS: "aws", Microsoft: "azure", Oracle: "oci" };
    let oracleLines = 0;
    for (const r of rows) {
      const provider = providerOf[r["ProviderName"] ?? ""];
      if (!provider) throw new Error(`unexpected provider ${r["ProviderName"]}`);
      if (provider === "oci") oracleLines++;
      const regionId = r["RegionId"] === "NULL" ? "" : (r["RegionId"] ?? "");
      add(
        expected,
        canonicalAccountId(provider, r["SubAccountId"] ?? "").id,
        (r["ChargePeriodStart"] ?? "").slice(0, 7),
        num(r["BilledCost"]),
        canonicalService(provider, r["ServiceName"] ?? ""),
        // Oracle rows leave RegionId NULL and name the region id in RegionName ("us-sanjose-1")
        provider === "oci" ? regionId || (r["RegionName"] ?? "") : regionId,
      );
    }
    const s = await classifyAll("focus/focus_sample.csv");
    expect(s.errors.size).toBe(0);
    expect(oracleLines).toBe(7);
    expect(s.emptyUnsupported).toBe(0);
    expectSameLedger(s.ledger, expected);
    const oracle = s.records.filter((record) => record.provider === "oci");
    expect(new Set(oracle.map((record) => record.accountId)).size).toBe(3); // three tenancies
    expect(new Set(oracle.map((record) => record.region))).toEqual(new Set(["us-sanjose-1", "us-phoenix-1"]));

    // The spreadsheet dropped the leading zero of every AWS account id (11 digits): read as 12, with a warning.
    const aws = s.records.filter((record) => record.provider === "aws");
    expect(aws.length).toBeGreaterThanOrEqual(942); // Lambda lines give a compute and a memory record
    expect(aws.every((record) => /^\d{12}$/.test(record.accountId))).toBe(true);
    expect(aws.every((record) => record.accountId.startsWith("0"))).toBe(true);
    expect(s.warnings).toBe(942);
    // The anonymised AWS BillingAccountId has 13 digits: not an account id, so it is left out (warned).
    expect(aws.every((record) => record.billingAccountId === undefined)).toBe(true);
    expect(s.records.filter((record) => record.provider === "azure").every((record) => record.billingAccountId === "8611537")).toBe(true);
  });

  it("the Azure EA and Azure FOCUS samples name the same subscriptions the same way", async () => {
    const ea = await classifyAll("azure/EA_AmortizedCost_Small.csv");
    const focus = await classifyAll("focus/focus_sample.csv");
    const eaAccounts = new Set(ea.records.map((record) => record.accountId));
    const focusAccounts = new Set(focus.records.filter((record) => record.provider === "azure").map((record) => record.accountId));
    // FOCUS writes /subscriptions/<guid>, the EA export the bare GUID: both become the bare GUID.
    expect(focusAccounts.has("64e355d7-997c-491d-b0c1-8414dccfcf42")).toBe(true);
    expect(eaAccounts.has("64e355d7-997c-491d-b0c1-8414dccfcf42")).toBe(true);
    const shared = [...focusAccounts].filter((id) => eaAccounts.has(id));
    expect(shared.sort()).toEqual([
      "64e355d7-997c-491d-b0c1-8414dccfcf42",
      "73c0021f-a37d-433f-8baa-7450cb54eea6",
      "9ec51cfd-5ca7-4d76-8101-dd0a4abc5674",
      "ed570627-0265-4620-bb42-bae06bcfa914",
    ]);
    // Same enrollment: the EA BillingAccountId and FOCUS /providers/Microsoft.Billing/billingAccounts/8611537.
    expect(new Set(ea.records.map((record) => record.billingAccountId))).toEqual(new Set(["8611537"]));
  });

  it("native and FOCUS samples of one provider never give one listed service two names", async () => {
    const pairs: [string, string, UsageRecord["provider"]][] = [
      ["aws/sample-anonymous-aws-export-dataset.csv", "focus/focus_sample.csv", "aws"],
      ["aws/Nov2018-WorkshopCUR-00001.snappy.parquet", "focus/focus_sample.csv", "aws"],
      ["azure/EA_AmortizedCost_Small.csv", "focus/focus_sample.csv", "azure"],
      ["azure/EA_ActualCost_Small.csv", "focus/focus_sample.csv", "azure"],
    ];
    for (const [native, focusFile, provider] of pairs) {
      const a = await classifyAll(native);
      const b = await classifyAll(focusFile);
      const names = new Set([...a.records, ...b.records].filter((r) => r.provider === provider).map((r) => r.service));
      // No two names of the set are spellings of one table entry: each is its own canonical form.
      for (const name of names) expect(canonicalService(provider, name), name).toBe(name);
      // Services both files bill are named alike, e.g. S3 (AmazonS3 / Amazon Simple Storage Service).
      const shared = [...names].filter(
        (name) => a.records.some((r) => r.service === name) && b.records.some((r) => r.provider === provider && r.service === name),
      );
      expect(shared.length, `${native} vs ${focusFile}`).toBeGreaterThan(0);
    }
  });
});
