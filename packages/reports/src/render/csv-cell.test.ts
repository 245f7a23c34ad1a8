import { describe, expect, it } from "vitest";
import { csvCell } from "./csv-cell";

describe("csvCell", () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\t=1", "'\t=1"],
    ["\r=1", `"'\r=1"`],
  ])("neutralises %j as text", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it.each([
    ["team-a", "team-a"],
    ["-12.5", "-12.5"],
    ["+3e-5", "+3e-5"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
  ])("keeps %j as it is (quoted where RFC 4180 needs it)", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it("writes numbers and empty cells", () => {
    expect(csvCell(-1.5)).toBe("-1.5");
    expect(csvCell(null)).toBe("");
  });
});
