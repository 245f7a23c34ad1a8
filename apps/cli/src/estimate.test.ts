import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it, afterAll } from "vitest";
import { openBillingSource } from "@canopy/connectors";
import { generateCurCsv } from "../bench/generate-cur";
import { aggregateInTwoHalves, run } from "./commands/estimate";
import {
  aggregateWholeFile,
  classifierFor,
  type PipelineSettings,
} from "./commands/estimate-pipeline";

const samples = join(import.meta.dirname, "../../../packages/connectors/test/samples");
const dir = mkdtempSync(join(tmpdir(), "canopy-estimate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function estimate(
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const code = await run(argv, { stdout, stderr });
  return { code, stdout: out, stderr: err };
}

const curHeader =
  "lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode,product/regionCode,pricing/unit";
const smallCur = [
  curHeader,
  "1,Usage,2023-11-01T00:00:00Z,2023-11-01T01:00:00Z,AmazonEC2,BoxUsage:m5.large,1,0.096,USD,us-east-1,Hrs",
  "1,Usage,2023-11-01T00:00:00Z,2023-11-01T01:00:00Z,AmazonEC2,BoxUsage:m5.large,abc,0.096,USD,us-east-1,Hrs",
  "1,Tax,2023-11-01T00:00:00Z,2023-12-01T00:00:00Z,AmazonEC2,,0,1.5,USD,,",
  "1,Usage,2023-11-02T00:00:00Z,2023-11-02T01:00:00Z,AmazonS3,TimedStorage-ByteHrs,100,2.3,USD,us-east-1,GB-Mo",
].join("\n");

describe("canopy estimate", () => {
  it("prints a table by service and a summary with unsupported lines and row errors", async () => {
    const path = write("small.csv", smallCur);
    const { code, stdout, stderr } = await estimate(path);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^service\s+records\s+kWh IT/);
    expect(stdout).toContain("AmazonEC2");
    expect(stdout).toContain("AmazonS3");
    expect(stderr).toContain(
      "Read 4 lines (cur): 2 usage lines → 2 usage records; 1 unsupported; 1 with errors.",
    );
    expect(stderr).toMatch(/tax\s+1 lines\s+cost 1.5 USD/);
    expect(stderr).toContain('line 3: lineItem/UsageAmount is not a number: "abc"');
    expect(stderr).toMatch(/Default factors: [\d.]+% of location-based CO2e/);
  });

  it("groups by day and month, region and account", async () => {
    const path = write("small-days.csv", smallCur);
    const byDay = await estimate(path, "--group-by", "day", "--output", "csv");
    expect(byDay.code).toBe(0);
    expect(byDay.stdout.split("\n").slice(0, 3)).toEqual([
      "day,records,kwhIt,kwhFacility,co2eLocationKg,co2eMarketKg,embodiedKg,waterL,costAmount",
      expect.stringMatching(/^2023-11-01,1,/),
      expect.stringMatching(/^2023-11-02,1,/),
    ]);
    const byRegion = JSON.parse(
      (await estimate(path, "--group-by", "region", "--output", "json")).stdout,
    );
    expect(byRegion.groups.map((group: { key: string }) => group.key)).toEqual(["aws us-east-1"]);
    const byProvider = JSON.parse(
      (await estimate(path, "--group-by", "provider", "--output", "json")).stdout,
    );
    expect(byProvider.groups.map((group: { key: string }) => group.key)).toEqual(["aws"]);
    expect(byProvider.groups[0].co2eLocationKg).toBeCloseTo(byRegion.groups[0].co2eLocationKg, 12);
  });

  it("prints one NDJSON object per input line with --group-by row --output json", async () => {
    const path = write("rows.csv", smallCur);
    const { code, stdout } = await estimate(
      path,
      "--group-by",
      "row",
      "--output",
      "json",
      "--profile",
      "ccf",
    );
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.line, line.status])).toEqual([
      [2, "usage"],
      [3, "error"],
      [4, "unsupported"],
      [5, "usage"],
    ]);
    for (const field of [
      "kwhIt",
      "kwhFacility",
      "pue",
      "gridIntensityGPerKwh",
      "co2eLocationKg",
      "co2eMarketKg",
      "embodiedKg",
      "waterL",
      "methodologyVersion",
      "quality",
    ]) {
      expect(lines[0]).toHaveProperty(field);
    }
    expect(lines[0].methodologyVersion).toMatch(/^ccf-/);
    expect(lines[0].usage).toEqual([
      expect.objectContaining({ kind: "compute", instanceType: "m5.large" }),
    ]);
    expect(lines[2]).toMatchObject({ reason: "tax", costAmount: 1.5 });
    expect(lines[3].usage[0]).toMatchObject({
      kind: "storage",
      unit: "tb-hours",
      // 100 GB-Mo of billed GiB over a 720-hour month, in decimal TB-hours (GiB = 2^30 bytes)
      quantity: (100 * 720 * 2 ** 30) / 1e12,
    });
  });

  it("reads each sample format", async () => {
    const cases: [string, string][] = [
      ["aws/sample-anonymous-aws-export-dataset.csv", "Read 1,281 lines (cur)"],
      ["aws/Dec2018-WorkshopCUR-00001.snappy.parquet", "Read 91,264 rows (cur)"],
      ["azure/EA_ActualCost_Small.csv", "Read 11 lines (azure)"],
      ["gcp/tmp_example.csv", "Read 292 lines (gcp)"],
      ["focus/focus_sample.csv", "Read 1,000 lines (focus)"],
    ];
    for (const [file, summary] of cases) {
      const { code, stderr } = await estimate(join(samples, file));
      expect(code).toBe(0);
      expect(stderr).toContain(summary);
    }
    const json = JSON.parse(
      (
        await estimate(
          join(samples, "aws/sample-anonymous-aws-export-dataset.csv"),
          "--output",
          "json",
        )
      ).stdout,
    );
    expect(json.summary.unsupported.tax).toMatchObject({
      lines: 12,
      costAmount: expect.closeTo(0.08, 10),
    });
    // 1,281 lines: 12 tax, and 31 internet-egress + 28 Obj-Month lines that are cost-only, not usage
    expect(json.totals.records).toBe(1210);
    expect(json.summary.errors).toEqual({ count: 0, lines: [] });
  });

  it("exits 1 with one clear line for files it cannot read", async () => {
    const empty = await estimate(write("empty.csv", ""));
    expect(empty).toMatchObject({ code: 1, stdout: "" });
    expect(empty.stderr).toMatch(/^canopy estimate: .*empty\.csv is empty \(0 bytes\)\n$/);

    const compressed = gzipSync(
      Buffer.from(
        `${curHeader}\n${"1,Usage,2023-11-01T00:00:00Z,,AmazonEC2,BoxUsage:m5.large,1,0.1,USD,us-east-1,Hrs\n".repeat(5000)}${Math.random()}`,
      ),
    );
    const truncated = await estimate(
      write("truncated.csv.gz", compressed.subarray(0, Math.floor(compressed.length / 2))),
    );
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/truncated or corrupt/);
    expect(truncated.stderr.trim().split("\n")).toHaveLength(1);

    const unknown = await estimate(write("unknown.csv", "foo,bar\n1,2\n"));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      "unrecognized billing file header (cur: missing lineItem/LineItemType",
    );
    expect(unknown.stderr).toContain(
      "azure: missing Date, MeterCategory, MeterName, Quantity, UnitOfMeasure",
    );

    const forced = await estimate(write("forced.csv", smallCur), "--format", "gcp");
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain(
      "expected gcp format, but not a GCP billing export header: missing service.description",
    );

    expect((await estimate(join(dir, "does-not-exist.csv"))).code).toBe(1);
  });

  it("exits 2 on usage errors", async () => {
    expect((await estimate()).code).toBe(2);
    const bad = await estimate("x.csv", "--group-by", "week");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "--group-by must be one of row, provider, service, region, account, day, month",
    );
    expect((await estimate("x.csv", "--nope")).code).toBe(2);
    expect((await estimate("a.csv", "b.csv")).code).toBe(2);
    const help = await estimate("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: canopy estimate <file>");
  });

  it("gives the same totals when a file is estimated in two halves on two threads", async () => {
    const path = join(dir, "generated.csv");
    await generateCurCsv(path, 4000);
    appendFileSync(path, "short,line\n"); // line 4002: an error whose line number must survive the split
    const settings: PipelineSettings = {
      profile: "canopy",
      grouping: "service",
      includeResourceIds: false,
    };
    const { file, format } = await openBillingSource(path);
    const whole = await aggregateWholeFile(
      file,
      classifierFor(format, file.columns, settings),
      settings,
    );
    const halves = await aggregateInTwoHalves(file, format, settings);
    expect(halves).toBeDefined();
    expect(halves?.lines).toBe(4001);
    expect(halves?.errors).toEqual([
      { lineNumber: 4002, message: expect.stringContaining("fewer fields") },
    ]);
    expect(whole.errors).toEqual(halves?.errors);
    expect(halves?.totals.records).toBe(whole.totals.records);
    expect(halves?.totals.co2eLocationKg).toBeCloseTo(whole.totals.co2eLocationKg, 6);
    expect(halves?.totals.costAmount).toBeCloseTo(whole.totals.costAmount, 6);
    for (const [reason, entry] of Object.entries(whole.unsupported)) {
      expect(halves?.unsupported[reason]?.lines).toBe(entry.lines);
      expect(halves?.unsupported[reason]?.costAmount).toBeCloseTo(entry.costAmount, 9);
    }
  }, 60_000);
});
