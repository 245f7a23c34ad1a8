/**
 * Every sample export in test/samples (copied from shared/reference/samples, attribution in its README) read end to end (reader + format detection +
 * classification), checked against figures computed independently from the files:
 * - CSV samples with Python's csv module, e.g. for the AWS CUR:
 *     rows = list(csv.DictReader(open(f)))
 *     tax = [r for r in rows if r['lineItem/LineItemType'] == 'Tax']            # 12 lines, 0.08 USD
 *     gbmo = [r for r in rows if r['pricing/unit'] == 'GB-Mo']                   # 123 lines
 *     sum(float(r['lineItem/UsageAmount']) for r in gbmo) * 720 * 2**30 / 1e12  # 30.084020846701776 TB-h
 *     net = [r for r in rows if r['pricing/unit'] == 'GB' and re.search(
 *        r'(^|-)(AWS-Out-Bytes|DataTransfer-Regional-Bytes|DataTransfer-xAZ-Out-Bytes)$', r['lineItem/UsageType'])]
 *                                                                 # 349 lines, 0.0061118699 GB (inter-region, inter-AZ)
 *     other (Out|Egress)-Bytes lines: 31 internet egress; pricing/unit 'Obj-Month': 28 (unit not recognized)
 * - Parquet samples with DuckDB SQL over read_parquet(...), e.g. for Nov 2018:
 *     count(*) = 124340; RIFee: 9 lines, 147.384 USD; usage type LIKE '%EBSOptimized:%': 3878;
 *     instance lines (Usage/DiscountedUsage, usage type ':<instance type>', unit Hrs or '') 21950 lines,
 *     18311.2269 instance-hours; GB-Mo (or empty unit on storage usage types): 29158 lines,
 *     sum × 720 / 1024 = 408.8424 TiB-h, × 1.099511627776 (2^40 / 10^12) = 449.5270 decimal TB-h;
 *     regexp_matches(line_item_usage_type, '(^|-)(AWS-Out-Bytes|DataTransfer-Regional-Bytes|DataTransfer-xAZ-Out-Bytes)$'):
 *     7209 lines, 2.136381 GB; other (Out|Egress)-Bytes (internet egress): 4688 lines;
 *     pricing_unit IN ('IOPS-Mo', '64K-Chunks', 'ConfigurationItemRecorded', 'ActiveConfigRules'): 1085 lines.
 * The exact expressions for the other files are next to their figures below.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { UsageRecord } from "@canopy/methodology";
import type { ClassifyOptions } from "../classify/types";
import { openBillingSource } from "./open-billing-file";

const samples = join(import.meta.dirname, "../../test/samples");

type Summary = {
  format: string;
  kind: string;
  lines: number;
  errors: string[];
  byKind: Record<string, { lines: number; quantity: number }>;
  unsupported: Record<string, { lines: number; cost: number }>;
  records: UsageRecord[];
};

async function summarize(relativePath: string, options: ClassifyOptions = {}): Promise<Summary> {
  const { file, format, classifier } = await openBillingSource(join(samples, relativePath), { includeTags: false, ...options });
  const summary: Summary = { format, kind: file.kind, lines: 0, errors: [], byKind: {}, unsupported: {}, records: [] };
  for await (const batch of file.batches({ columns: classifier.usedColumns, numericColumns: classifier.numericColumns })) {
    for (const { lineNumber, row, error } of batch) {
      summary.lines++;
      if (error) {
        summary.errors.push(`${lineNumber}: ${error}`);
        continue;
      }
      const outcome = classifier.classify(row, lineNumber);
      if (outcome.status === "error") summary.errors.push(`${lineNumber}: ${outcome.message}`);
      else if (outcome.status === "unsupported") {
        const entry = (summary.unsupported[outcome.reason] ??= { lines: 0, cost: 0 });
        entry.lines++;
        entry.cost += outcome.costAmount;
      } else {
        for (const record of outcome.records) {
          summary.records.push(record);
          const key = `${record.kind}:${record.unit}`;
          const entry = (summary.byKind[key] ??= { lines: 0, quantity: 0 });
          entry.lines++;
          entry.quantity += record.quantity;
        }
      }
    }
  }
  return summary;
}

/** Instance-hours behind compute records that name an instance type. */
function instanceHours(records: readonly UsageRecord[]): number {
  return records
    .filter((record) => record.kind === "compute" && record.instanceType !== undefined)
    .reduce((sum, record) => sum + (record.unit === "vcpu-hours" ? record.quantity / (record.vcpus ?? 1) : record.quantity), 0);
}

describe("sample exports", () => {
  it("AWS CUR CSV (legacy, daily, Canada)", async () => {
    const s = await summarize("aws/sample-anonymous-aws-export-dataset.csv");
    expect(s).toMatchObject({ format: "cur", kind: "csv", lines: 1281, errors: [] });
    expect(s.unsupported).toEqual({
      tax: { lines: 12, cost: expect.closeTo(0.08, 10) },
      "internet-egress": { lines: 31, cost: 0 },
      "unit-not-recognized": { lines: 28, cost: 0 },
    });
    expect(s.byKind["storage:tb-hours"]?.lines).toBe(123);
    expect(s.byKind["storage:tb-hours"]?.quantity).toBeCloseTo(30.084020846701776, 9);
    expect(s.byKind["network:gb"]?.lines).toBe(349);
    expect(s.byKind["network:gb"]?.quantity).toBeCloseTo(0.0061118699, 10);
    expect(s.byKind["other:none"]?.lines).toBe(1281 - 12 - 123 - 349 - 31 - 28);
    expect(s.byKind["compute:vcpu-hours"]).toBeUndefined(); // the sample has no EC2
    // product/regionCode is empty on 472 rows; every record still gets a region ("global" stays "global").
    expect(s.records.filter((record) => record.region === "")).toEqual([]);
  });

  it.each([
    // month, rows, RIFee cost, EBSOptimized lines, instance lines, instance-hours, storage lines, TiB-h (÷ 1024),
    // network lines, GB, internet-egress lines, unit-not-recognized lines, Glue DPU lines
    ["Oct", 119307, 149.775379, 5134, 20882, 18173.7781, 27259, (397.9882 * 744) / 720, 8113, 2.351368, 3565, 1177, 1199],
    ["Nov", 124340, 147.384, 3878, 21950, 18311.2269, 29158, 408.8424, 7209, 2.136381, 4688, 1085, 956],
    ["Dec", 91264, 152.2968, 2231, 12203, 8475.3728, 18064, (222.9418 * 744) / 720, 4601, 0.005581, 4304, 291, 0],
  ] as const)(
    "AWS CUR Parquet (%s 2018, hourly)",
    async (month, rows, riFeeCost, ebsOptimized, instanceLines, hours, storageLines, tibHours, networkLines, networkGb, internetLines, unknownUnitLines, glueLines) => {
      const s = await summarize(`aws/${month}2018-WorkshopCUR-00001.snappy.parquet`);
      expect(s).toMatchObject({ format: "cur", kind: "parquet", lines: rows, errors: [] });
      expect(s.unsupported["reservation-fee"]).toEqual({ lines: 9, cost: expect.closeTo(riFeeCost, 5) });
      expect(s.unsupported["surcharge-on-counted-usage"]?.lines).toBe(ebsOptimized);
      const compute = s.records.filter((record) => record.kind === "compute");
      expect(compute.filter((record) => record.instanceType !== undefined).length).toBe(instanceLines);
      expect(compute.length).toBe(instanceLines + glueLines);
      expect(instanceHours(s.records)).toBeCloseTo(hours, 3);
      expect(s.byKind["storage:tb-hours"]?.lines).toBe(storageLines);
      expect(s.byKind["storage:tb-hours"]?.quantity).toBeCloseTo(tibHours * (2 ** 40 / 1e12), 3);
      expect(s.byKind["network:gb"]?.lines).toBe(networkLines);
      expect(s.byKind["network:gb"]?.quantity).toBeCloseTo(networkGb, 5);
      expect(s.unsupported["internet-egress"]?.lines).toBe(internetLines);
      expect(s.unsupported["unit-not-recognized"]?.lines).toBe(unknownUnitLines);
      expect(s.records[0]?.periodStart).toMatch(/^2018-\d\d-\d\dT\d\d:00:00\.000Z$/);
    },
  );

  it("Azure EA actual cost (BOM, MM/DD/YYYY, Purchase row)", async () => {
    const s = await summarize("azure/EA_ActualCost_Small.csv");
    expect(s).toMatchObject({ format: "azure", lines: 11, errors: [] });
    expect(s.unsupported).toEqual({ purchase: { lines: 1, cost: 3.25 }, "software-license": { lines: 3, cost: 0 } });
    const vm = s.records.find((record) => record.instanceType === "Standard_D2s_v3");
    expect(vm).toMatchObject({ quantity: 24, region: "southcentralus", periodStart: "2023-09-04T00:00:00.000Z" });
    // "2 vCore" × 24 h; P4 disk: 0.033336 disk-months × 720 h × 32 GiB × 2^30 / 10^12 decimal TB-h.
    expect(s.byKind["compute:vcpu-hours"]).toEqual({ lines: 1, quantity: 48 });
    expect(s.byKind["storage:tb-hours"]?.quantity).toBeCloseTo((0.033336 * 720 * 32 * 2 ** 30) / 1e12, 10);
  });

  it("Azure EA amortized cost (reservation and savings-plan usage)", async () => {
    const s = await summarize("azure/EA_AmortizedCost_Small.csv");
    expect(s).toMatchObject({ lines: 28, errors: [] });
    // python: rows whose SubCategory contains "SQL License" → 4; "Standard Data Transfer Out" (internet) → 1
    expect(s.unsupported).toEqual({ "software-license": { lines: 4, cost: 0 }, "internet-egress": { lines: 1, cost: expect.closeTo(7.2922557592392e-9, 15) } });
    // python: VM rows (MeterCategory "Virtual Machines", unit "1 Hour"): DS2 v2 8 h with AdditionalInfo VCPUs 2
    // (16 vCPU-h), B2s 0.32085564 h with VCPUs 2, D2s v3 24 h without VCPUs (instance-hours, no catalog here).
    const vms = s.records.filter((record) => record.service === "Virtual Machines");
    expect(vms.map((record) => [record.instanceType, record.unit, record.quantity])).toEqual([
      ["Standard_DS2_v2", "vcpu-hours", 16],
      ["Standard_B2s", "vcpu-hours", 0.64171128],
      ["Standard_D2s_v3", "instance-hours", 24],
    ]);
    // python: Bandwidth rows of subcategory "Inter-Region" → 3 rows (the 4th, "Standard Data Transfer Out", is internet egress)
    expect(s.byKind["network:gb"]?.lines).toBe(3);
    expect(s.byKind["network:gb"]?.quantity).toBeCloseTo(0.00594335 + 0.017343 + 0.00000096, 12);
  });

  it("Azure EA anonymised export (M/D/YYYY, Spot, placeholder AdditionalInfo)", async () => {
    const s = await summarize("azure/sample-anonymous-ea-export-dataset.csv");
    // The anonymisation shortened two subscription GUIDs (line 4: "f908573f-1142-4b3c-999999999999", one
    // group short; line 13: "e87307c5-37f9-4b2a-9407999999999999", a hyphen missing): kept as written, with a warning.
    expect(s).toMatchObject({ lines: 27, unsupported: {}, errors: [] });
    // python: MeterCategory == "Virtual Machines" → 7 rows, sum Quantity = 0.750015
    const vms = s.records.filter((record) => record.service === "Virtual Machines");
    expect(vms.length).toBe(7);
    expect(vms.reduce((sum, record) => sum + record.quantity, 0)).toBeCloseTo(0.750015, 9);
    expect(vms.map((record) => record.accountId)).toContain("f908573f-1142-4b3c-999999999999");
    expect(vms.map((record) => record.instanceType)).toContain("Standard_L4s");
    expect(s.records[0]?.periodStart).toBe("2023-09-02T00:00:00.000Z");
  });

  it("Azure MCA camelCase export", async () => {
    const s = await summarize("azure/camel_azure_version_2.csv");
    expect(s).toMatchObject({ format: "azure", lines: 4, errors: [] });
    // "Hot RA-GRS Data Stored" 0.000348 GB-months in August (744 h) → TB-hours
    const [stored] = s.records.filter((record) => record.kind === "storage");
    expect(stored).toMatchObject({ replicationHint: 6, region: "eastus", accountId: "2639de71-ca37-4a17-a104-17665a50e7fc" });
    expect(stored?.quantity).toBeCloseTo((0.000348 * 744 * 2 ** 30) / 1e12, 12);
  });

  it("GCP BigQuery export as CSV (Python-literal system_labels)", async () => {
    const s = await summarize("gcp/tmp_example.csv");
    expect(s).toMatchObject({ format: "gcp", lines: 292, errors: [] });
    // python: 'Licensing Fee' SKUs → 22 rows (cost 0)
    // python: bytes SKUs matching 'Internet Egress|Download' → 42 rows (cost 3.5e-05): internet egress
    expect(s.unsupported).toEqual({ "software-license": { lines: 22, cost: 0 }, "internet-egress": { lines: 42, cost: expect.closeTo(3.5e-5, 12) } });
    // python: E2 Instance Core: 14 rows, sum usage.amount 36289.735541 s → /3600 vCPU-h
    expect(s.byKind["compute:vcpu-hours"]?.lines).toBe(14);
    expect(s.byKind["compute:vcpu-hours"]?.quantity).toBeCloseTo(36289.735541 / 3600, 9);
    expect(s.records.find((record) => record.kind === "compute")).toMatchObject({ instanceType: "e2-medium", vcpus: 2, memoryGb: 4 });
    // python: E2 Instance Ram: 14 rows, 179367677760137 byte-seconds / 2^30 / 3600
    expect(s.byKind["memory:gb-hours"]?.quantity).toBeCloseTo(179367677760137 / 2 ** 30 / 3600, 6);
    // python: byte-seconds SKUs other than RAM/licences: 20 rows, sum / 3600 / 1e12 = 0.09828671377256555 TB-h
    expect(s.byKind["storage:tb-hours"]?.lines).toBe(20);
    expect(s.byKind["storage:tb-hours"]?.quantity).toBeCloseTo(0.09828671377256555, 12);
    // python: bytes SKUs matching 'Inter Region Egress|Inter Zone Egress|Google Egress': 25 rows, 0.0009897910058498383 GiB
    expect(s.byKind["network:gb"]?.lines).toBe(25);
    expect(s.byKind["network:gb"]?.quantity).toBeCloseTo(0.0009897910058498383, 12);
    // 22 rows have an empty location.region: multi-region "us"; one of them ("Download Worldwide
    // Destinations", internet egress) is a cost-only line now, not a usage record
    expect(s.records.filter((record) => record.region === "us").length).toBe(21);
  });

  it("GCP export with credits and partition_date", async () => {
    const s = await summarize("gcp/202011_30c31bca571d9b7f3b2c8459dd8bc34a_2020-11-08_2020-11-11.csv");
    expect(s).toMatchObject({ format: "gcp", lines: 25, errors: [], unsupported: {} });
    // python: BigQuery Active Storage, 3 rows, 2161873256448 byte-seconds
    expect(s.byKind["storage:tb-hours"]?.quantity).toBeCloseTo(2161873256448 / 1e12 / 3600, 12);
    expect(s.records.every((record) => record.periodHours === 1)).toBe(true);
  });

  it("FOCUS 1.0 multi-provider sample (NULL strings, Oracle rows)", async () => {
    const s = await summarize("focus/focus_sample.csv");
    expect(s).toMatchObject({ format: "focus", lines: 1000, errors: [] });
    // python: ChargeCategory Credit 1 (-2.6137); Adjustment 2 (0.272, both Oracle); Oracle "Block Volume -
    // Performance Units" 1 (0.00107392473, IOPS bought for capacity billed on its own line);
    // 'Marketplace' in ChargeDescription 1 (0.342); 'Extended Support' 2 (0.6); 'Mbps per … instance-hour' 2 (0);
    // AWS GB rows of CloudFront or "to CloudFront": 15 (0.0121664182); other "data transfer out" (not "to
    // <region>", not regional) or "for …DataTransfer-Out-Bytes": 169 AWS + 3 Microsoft "Rtn Preference" /
    // "Standard Data Transfer Out" (0.3518733988); AWS units IOPS-Months, GiB/Second-Months, LCU-Hours,
    // WriteCapacityUnit-Hours, StateTransitions, Security Checks, Read/WriteRequestUnits: 27 (0.052986998).
    // The 12 usage rows with negative ConsumedQuantity net as negative records (no longer "correction").
    expect(s.unsupported).toEqual({
      credit: { lines: 1, cost: expect.closeTo(-2.6137, 9) },
      adjustment: { lines: 2, cost: expect.closeTo(0.272, 9) },
      marketplace: { lines: 1, cost: 0.342 },
      "software-license": { lines: 2, cost: expect.closeTo(0.6, 12) },
      "surcharge-on-counted-usage": { lines: 3, cost: expect.closeTo(0.00107392473, 12) },
      "cdn-delivery": { lines: 15, cost: expect.closeTo(0.0121664182, 9) },
      "internet-egress": { lines: 172, cost: expect.closeTo(0.3518733988, 9) },
      "unit-not-recognized": { lines: 27, cost: expect.closeTo(0.052986998, 9) },
    });
    // python: AWS 'Hours' rows naming an instance type in an instance-hour description: 27 rows, 24.74389 h
    const instances = s.records.filter((record) => record.provider === "aws" && record.instanceType !== undefined);
    expect(instances.length).toBe(27);
    expect(instanceHours(instances)).toBeCloseTo(24.74389, 9);
    // 51 Microsoft rows less 3 internet-egress lines; 11 of the 12 negative rows are usage records now
    expect(s.records.filter((record) => record.provider === "azure").length).toBe(51 - 3);
    expect(s.records.filter((record) => record.quantity < 0).length).toBe(5);
    // Oracle usage: 2 × "Standard - E3 - Memory" 8 GB Hours; "Standard - E5" 8 OCPU Hours on x86 = 16
    // vCPU-hours (1 OCPU = 2 vCPUs); "Outbound Data Transfer Zone 1" 0 "GB Months" (no energy, cost 0).
    const oracle = s.records.filter((record) => record.provider === "oci" && record.usageType !== "adjustment" && record.usageType !== "surcharge-on-counted-usage");
    expect(oracle.map((record) => [record.kind, record.unit, record.quantity]).sort()).toEqual(
      [
        ["compute", "vcpu-hours", 16],
        ["memory", "gb-hours", 8],
        ["memory", "gb-hours", 8],
        ["other", "none", 0],
      ].sort(),
    );
  });
});
