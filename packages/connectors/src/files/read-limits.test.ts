import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { CsvFormatError, CsvSplitter, MAX_LINE_BYTES } from "./csv-splitter";
import { fileChunks } from "./byte-stream";
import { openBillingFile } from "./open-billing-file";
import { BillingFileError } from "./read-rows";

const dir = mkdtempSync(path.join(os.tmpdir(), "canopy-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes gzip of `head` followed by `repeat` copies of `unit` (streamed, never all in memory). */
async function writeGzip(name: string, head: string, unit: Buffer, repeat: number): Promise<string> {
  const file = path.join(dir, name);
  async function* parts() {
    yield Buffer.from(head);
    for (let i = 0; i < repeat; i++) yield unit;
  }
  await pipeline(Readable.from(parts()), createGzip({ level: 9 }), createWriteStream(file));
  return file;
}

async function readAll(file: string) {
  const billing = await openBillingFile(file);
  let rows = 0;
  for await (const batch of billing.batches()) rows += batch.length;
  return rows;
}

describe("read limits", () => {
  it("a gzip bomb unpacking to one 200 MB line fails fast with the reason and the line number", async () => {
    const bomb = await writeGzip("bomb.csv.gz", "", Buffer.alloc(1 << 20, "a"), 200);
    const packed = statSync(bomb).size;
    expect(packed).toBeLessThan(400_000); // ~200 KB of gzip
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    let unpacked = 0;
    const splitter = new CsvSplitter(() => undefined);
    const error = await (async () => {
      try {
        for await (const chunk of fileChunks(bomb, true)) {
          unpacked += chunk.length;
          splitter.push(chunk);
        }
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    const seconds = (performance.now() - started) / 1000;
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as Error).message).toMatch(/^line 1 is longer than 1048576 bytes/);
    expect(unpacked).toBeLessThanOrEqual(MAX_LINE_BYTES + 2 * (1 << 20)); // stopped within a chunk or two of the limit
    expect(seconds).toBeLessThan(2);
    expect(rssGrowthMb).toBeLessThan(100);
    console.log(`gzip bomb: ${packed} B packed, ${unpacked} B unpacked before the abort, ${seconds.toFixed(3)} s, rss +${rssGrowthMb.toFixed(1)} MB`);
    // Through the public entry point the same file is a BillingFileError naming the line.
    await expect(openBillingFile(bomb)).rejects.toThrow(BillingFileError);
    await expect(openBillingFile(bomb)).rejects.toThrow(/line 1 is longer than 1048576 bytes/);
  });

  it("a long line after the header fails the file, naming its line", async () => {
    const file = await writeGzip("long-line.csv.gz", "a,b\n1,2\n", Buffer.alloc(1 << 16, "x"), 40);
    await expect(readAll(file)).rejects.toThrow(/line 3 is longer than 1048576 bytes/);
    const plain = path.join(dir, "long-line.csv");
    writeFileSync(plain, `a,b\n1,2\n3,"${"y".repeat(3 << 20)}"\n`);
    await expect(readAll(plain)).rejects.toThrow(/line 3 is longer than/);
  });

  it("JSONL lines are limited too", async () => {
    const file = await writeGzip("long.jsonl.gz", '{"a":1}\n{"a":"', Buffer.alloc(1 << 16, "z"), 40);
    await expect(readAll(file)).rejects.toThrow(/line 2 is longer than 1048576 bytes/);
  });

  it("a gzip of short lines that unpacks past 200:1 is aborted by the ratio", async () => {
    const line = Buffer.from("1,2\n".repeat(1 << 18)); // 1 MiB of identical short lines
    const file = await writeGzip("ratio.csv.gz", "a,b\n", line, 64);
    await expect(readAll(file)).rejects.toThrow(/unpacks more than 200:1/);
  });

  it("the unpacked size is capped", async () => {
    const file = path.join(dir, "small.csv.gz");
    writeFileSync(file, gzipSync(Buffer.from("a,b\n" + "1,2\n".repeat(10_000))));
    const read = async () => {
      for await (const _ of fileChunks(file, true, undefined, undefined, { maxUnpackedBytes: 1000 })) void _;
    };
    await expect(read()).rejects.toThrow(/unpacks to more than 1000 bytes/);
    expect(await readAll(file)).toBe(10_000);
  });
});
