import { describe, expect, it } from "vitest";
import { CsvFormatError, CsvSplitter, type CsvCell } from "./csv-splitter";

type Parsed = { header: string[] | undefined; rows: { line: number; row: Record<string, CsvCell>; missing: number }[] };

/** Feeds `text` to a splitter in chunks of `chunkSize` bytes (1 = every byte boundary). */
function split(text: string | Buffer, options: { chunkSize?: number; columns?: string[]; numeric?: string[] } = {}): Parsed {
  const rows: Parsed["rows"] = [];
  const splitter = new CsvSplitter((row, line, missing) => rows.push({ line, row, missing }), {
    ...(options.columns ? { selectColumns: () => options.columns } : {}),
    numericColumns: new Set(options.numeric ?? []),
  });
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  const size = options.chunkSize ?? bytes.length;
  for (let start = 0; start < bytes.length; start += size) splitter.push(bytes.subarray(start, start + size));
  splitter.end();
  return { header: splitter.columns, rows };
}

describe("CsvSplitter", () => {
  const tricky =
    '\uFEFFa,b,c\r\n1,"x, ""quoted""",3\r\n"multi\nline",,last\n\n4,5,"six"\n7,8,9';

  it("handles BOM, CRLF, doubled quotes, quoted newlines, blank lines and a missing final newline", () => {
    const { header, rows } = split(tricky);
    expect(header).toEqual(["a", "b", "c"]);
    expect(rows.map((r) => r.row)).toEqual([
      { a: "1", b: 'x, "quoted"', c: "3" },
      { a: "multi\nline", b: "", c: "last" },
      { a: "4", b: "5", c: "six" },
      { a: "7", b: "8", c: "9" },
    ]);
    // Physical line numbers where each row starts (header = line 1; the quoted newline and the blank line count).
    expect(rows.map((r) => r.line)).toEqual([2, 3, 6, 7]);
  });

  it("gives the same rows whatever the chunk boundaries", () => {
    const whole = split(tricky);
    for (const chunkSize of [1, 2, 3, 5, 7, 11]) expect(split(tricky, { chunkSize })).toEqual(whole);
  });

  it("materializes only the selected columns and parses numeric ones from bytes", () => {
    const { rows } = split("id,amount,name,skip\nx,1.5E-6,a,\"q,q\"\ny,-0.3840000000,b,z\nz,abc,c,\n", {
      columns: ["amount", "name"],
      numeric: ["amount"],
    });
    expect(rows.map((r) => r.row)).toEqual([
      { amount: 1.5e-6, name: "a" },
      { amount: -0.384, name: "b" },
      { amount: "abc", name: "c" }, // not a number: left as text for the classifier to report
    ]);
  });

  it("parses decimals exactly like Number() for plain inputs", () => {
    const samples = ["0", "1.0", "0.0104", "3.55E-8", "123456789012345", "1e22", "-7.25", "0.000000000001"];
    const { rows } = split(`v\n${samples.join("\n")}\n`, { numeric: ["v"] });
    expect(rows.map((r) => r.row["v"])).toEqual(samples.map((text) => (Number(text) >= 1e15 ? text : Number(text))));
  });

  it("leaves hex, Infinity and values of 1e15 or more as text, for the classifier to check", () => {
    const samples = ["0x10", "Infinity", "1e308", "1e15", "999999999999999", "-1e16"];
    const { rows } = split(`v\n${samples.join("\n")}\n`, { numeric: ["v"] });
    expect(rows.map((r) => r.row["v"])).toEqual(["0x10", "Infinity", "1e308", "1e15", 999999999999999, "-1e16"]);
  });

  it("counts wanted columns a short row lacks", () => {
    const { rows } = split("a,b,c\n1,2\n", { columns: ["a", "c"] });
    expect(rows[0]?.missing).toBe(1);
  });

  it("reports an unterminated quote at the end of input", () => {
    expect(() => split('a,b\n1,"never closed\n2,3\n')).toThrow(CsvFormatError);
  });

  it("skips to the end of a row after the last wanted column even across quoted fields", () => {
    const { rows } = split('a,b,c,d\n1,x,"y,\nz",w\n2,x,y,"w""w"\n', { columns: ["a"] });
    expect(rows.map((r) => [r.line, r.row["a"]])).toEqual([
      [2, "1"],
      [4, "2"],
    ]);
  });
});

describe("CsvSplitter fingerprintColumns", () => {
  function fingerprints(text: string, chunkSize: number) {
    const seen: { row: Record<string, CsvCell>; fingerprint: number }[] = [];
    const splitter = new CsvSplitter((row, _line, _missing, fingerprint) => seen.push({ row, fingerprint }), {
      selectColumns: () => ["cost"],
      fingerprintColumns: ["id", "interval"],
    });
    const bytes = Buffer.from(text);
    for (let start = 0; start < bytes.length; start += chunkSize) splitter.push(bytes.subarray(start, start + chunkSize));
    splitter.end();
    return seen;
  }
  const text = [
    "id,cost,interval,note",
    "a1,1.5,2026-03-01/2026-03-01T01,x",
    "a1,9,2026-03-01/2026-03-01T01,other bytes", // same id cells: same fingerprint
    "a1,1.5,2026-03-01/2026-03-01T02,x", // another interval
    "a2,1.5,2026-03-01/2026-03-01T01,x", // another id
    ",1.5,2026-03-01/2026-03-01T01,x", // no id: none
    ',1.5,"2026",x',
  ].join("\n");

  it("fingerprints the id cells' bytes without materializing them, at any chunking", () => {
    for (const chunkSize of [1, 7, 1 << 20]) {
      const rows = fingerprints(text, chunkSize);
      expect(rows.map((r) => r.row)).toEqual([{ cost: "1.5" }, { cost: "9" }, { cost: "1.5" }, { cost: "1.5" }, { cost: "1.5" }, { cost: "1.5" }]);
      const [first, repeat, otherHour, otherId, noId, noIdQuoted] = rows.map((r) => r.fingerprint);
      expect(repeat).toBe(first);
      expect(new Set([first, otherHour, otherId]).size).toBe(3);
      expect([noId, noIdQuoted]).toEqual([-1, -1]);
      expect(first).toBeGreaterThanOrEqual(0);
    }
  });
});
