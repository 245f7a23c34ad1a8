import { mkdtempSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it, afterAll } from "vitest";
import { openBillingFile, openBillingSource } from "./open-billing-file";
import { BillingFileError, type ReadRow } from "./read-rows";

const dir = mkdtempSync(join(tmpdir(), "canopy-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
async function allRows(path: string): Promise<ReadRow[]> {
  const rows: ReadRow[] = [];
  for await (const row of (await openBillingFile(path)).rows()) rows.push(row);
  return rows;
}

const cur = [
  "lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,pricing/unit",
  "1,Usage,2023-11-01T00:00:00Z,AmazonEC2,BoxUsage:m5.large,1,Hrs",
  "1,Tax,2023-11-01T00:00:00Z,AmazonEC2,,0,",
].join("\n");

describe("openBillingFile", () => {
  it("reads gzipped CSV the same as plain CSV", async () => {
    const plain = await allRows(write("cur.csv", cur));
    const gz = await openBillingFile(write("cur.csv.gz", gzipSync(cur)));
    expect(gz).toMatchObject({ kind: "csv", gzipped: true });
    const rows: ReadRow[] = [];
    for await (const row of gz.rows()) rows.push(row);
    expect(rows).toEqual(plain);
    expect(rows.map((row) => row.lineNumber)).toEqual([2, 3]);
  });

  it("fails clearly on an empty file and on a truncated gzip", async () => {
    await expect(openBillingFile(write("empty.csv", ""))).rejects.toThrow(/empty \(0 bytes\)/);
    const big = Buffer.from(`${cur}\n${"1,Usage,2023-11-01T00:00:00Z,AmazonEC2,BoxUsage:m5.large,1,Hrs\n".repeat(20_000)}`);
    const compressed = gzipSync(big);
    const truncated = compressed.subarray(0, Math.floor(compressed.length / 2));
    const file = await openBillingFile(write("truncated.csv.gz", truncated));
    await expect(async () => {
      for await (const batch of file.batches()) void batch;
    }).rejects.toThrow(BillingFileError);
  });

  it("reads BigQuery JSONL (nested records → dotted columns), gzipped or not", async () => {
    const lines = [
      {
        usage_start_time: "2026-05-07 10:00:00 UTC",
        usage_end_time: "2026-05-07 11:00:00 UTC",
        cost_type: "regular",
        service: { id: "6F81-5844-456A", description: "Compute Engine" },
        sku: { id: "2E27-4F75-95CD", description: "N1 Predefined Instance Core running in Americas" },
        project: { id: "acme-search-prod" },
        location: { location: "us-central1-a", region: "us-central1" },
        usage: { amount: 14400, unit: "seconds" },
        cost: 0.126444,
        currency: "USD",
        system_labels: [
          { key: "compute.googleapis.com/machine_spec", value: "n1-standard-4" },
          { key: "compute.googleapis.com/cores", value: "4" },
        ],
      },
      { broken: true },
    ];
    const text = `${JSON.stringify(lines[0])}\n{not json\n${JSON.stringify(lines[1])}\n`;
    for (const path of [write("export.jsonl", text), write("export.jsonl.gz", gzipSync(text))]) {
      const { file, format, classifier } = await openBillingSource(path);
      expect(file.kind).toBe("jsonl");
      expect(format).toBe("gcp");
      const rows: ReadRow[] = [];
      for await (const row of file.rows()) rows.push(row);
      expect(rows[1]).toMatchObject({ lineNumber: 2, error: expect.stringContaining("invalid JSON") });
      const outcome = classifier.classify(rows[0]?.row ?? {});
      expect(outcome).toMatchObject({
        status: "usage",
        records: [{ kind: "compute", unit: "vcpu-hours", quantity: 4, instanceType: "n1-standard-4", vcpus: 4, region: "us-central1" }],
      });
    }
  });

  it("names the missing columns of an unknown header", async () => {
    await expect(openBillingSource(write("unknown.csv", "a,b,c\n1,2,3\n"))).rejects.toThrow(/unrecognized billing file header \(cur: missing lineItem\/LineItemType/);
    await expect(openBillingSource(write("cur-as-azure.csv", cur), { format: "azure" })).rejects.toThrow(
      /expected azure format, but not an Azure cost details header: missing Date, MeterCategory/,
    );
  });

  it("reads usage-record files", async () => {
    const path = write(
      "usage.csv",
      'provider,accountId,periodStart,periodHours,service,region,kind,quantity,unit,tags\naws,1,2026-05-01T00:00:00Z,1,AmazonEC2,us-east-1,compute,2,vcpu-hours,"{""team"":""a""}"\naws,1,2026-05-01T00:00:00Z,1,AmazonEC2,us-east-1,compute,-2,vcpu-hours,\naws,1,2026-05-01T00:00:00Z,1,AmazonEC2,us-east-1,compute,two,vcpu-hours,\n',
    );
    const { file, format, classifier } = await openBillingSource(path);
    expect(format).toBe("usage");
    const outcomes = [];
    for await (const { row, lineNumber } of file.rows()) outcomes.push(classifier.classify(row, lineNumber));
    // Account ids are canonicalized like the billing formats' (AWS: zero-padded to 12 digits, with a warning).
    expect(outcomes[0]).toMatchObject({
      status: "usage",
      records: [{ accountId: "000000000001", quantity: 2, tags: { team: "a" } }],
      warning: "account id 1 had 1 digit; read as 000000000001",
    });
    // A negative quantity is a correction that nets against earlier usage; a non-number is an error.
    expect(outcomes[1]).toMatchObject({ status: "usage", records: [{ quantity: -2 }] });
    expect(outcomes[2]).toMatchObject({ status: "error", message: expect.stringContaining("quantity") });
  });

  it("streams a Parquet sample in row-group slices", async () => {
    const path = join(import.meta.dirname, "../../test/samples/aws/Dec2018-WorkshopCUR-00001.snappy.parquet");
    if (!readFileSync(path).subarray(0, 4).equals(Buffer.from("PAR1"))) return;
    const file = await openBillingFile(path);
    expect(file.kind).toBe("parquet");
    expect(file.columns).toContain("line_item_usage_type");
    let batches = 0;
    let last = 0;
    for await (const batch of file.batches({ columns: ["line_item_usage_type"] })) {
      batches++;
      last = batch[batch.length - 1]?.lineNumber ?? last;
      expect(Object.keys(batch[0]?.row ?? {})).toEqual(["line_item_usage_type"]);
    }
    expect(last).toBe(91264);
    expect(batches).toBeGreaterThan(1);
  });
});
