import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { methodologyDocPath } from "./appendix-source";
import { auditorAppendix } from "./auditor-text";
import { markdownBlocks } from "./blocks";
import { methodologyMarkdown, methodologySha256 } from "./methodology.generated";

describe("methodology appendix", () => {
  it("is generated from docs/methodology.md (run `pnpm --filter @canopy/reports build:appendix` after editing it)", () => {
    const doc = readFileSync(methodologyDocPath, "utf8");
    expect(
      methodologyMarkdown === auditorAppendix(doc),
      "methodology.generated.ts is out of date",
    ).toBe(true);
    expect(methodologySha256).toBe(createHash("sha256").update(doc).digest("hex"));
  });

  it("is written for an auditor: no path to Canopy's source code survives", () => {
    const doc = readFileSync(methodologyDocPath, "utf8");
    // Paths inside this repository; a path in another project's repository cited as a source (the
    // USEEIO folder in AWS's sample repository, "typescript/packages/…") is a citation and stays.
    const codePath =
      /(?<![\w/.-])(?:packages|apps|src|scripts|stores)\/[\w.{-]|\/work\/|@canopy\/|\b[\w-]+\.(?:test\.)?tsx?\b/g;
    expect((doc.match(codePath) ?? []).length).toBeGreaterThan(30);
    expect(methodologyMarkdown.match(codePath) ?? []).toEqual([]);
    // It stays the method: the sections, formulas and sources are all there.
    const headings = (text: string) => text.split("\n").filter((line) => /^#{1,4} /.test(line));
    expect(headings(methodologyMarkdown)).toEqual(headings(doc));
    expect(methodologyMarkdown).toContain("co2eLocationKg = kwhFacility");
    expect(methodologyMarkdown).toContain("commit 855da61b45b14b861e2b0531a00ddb01e3661c7a");
    expect(methodologyMarkdown.length).toBeGreaterThan(doc.length * 0.9);
    // The rewrites leave readable sentences, not dangling punctuation.
    const prose = methodologyMarkdown.replace(/`[^`]*`/g, "x");
    expect(prose).not.toMatch(/\(\s*[,;]|[,;]\s*\)|\(\s*\)|^\s*[;,:.]/m);
  });

  it("keeps what a sentence says when it only drops the reference to the code", () => {
    expect(auditorAppendix("Cost figures (`packages/methodology/src/headlines.ts`):\n")).toBe(
      "Cost figures:\n",
    );
    expect(
      auditorAppendix(
        "Three sources (`packages/connectors/src/grid/`; each a `GridIntensitySource`, stored hourly).\n",
      ),
    ).toBe("Three sources (each a `GridIntensitySource`, stored hourly).\n");
    expect(auditorAppendix("Tests in `src/ccf-profile.test.ts` work it out by hand.\n")).toBe(
      "Canopy's tests work it out by hand.\n",
    );
    expect(
      auditorAppendix("A rule. The code lives in `packages/methodology` (pure functions). Next.\n"),
    ).toBe("A rule. Next.\n");
    expect(auditorAppendix("```\nx = `packages/a.ts`\n```\n")).toBe(
      "```\nx = `packages/a.ts`\n```\n",
    );
  });

  it("parses into blocks both renderers draw: headings, tables, formulas and nested list tables", () => {
    const blocks = markdownBlocks(methodologyMarkdown);
    expect(blocks.filter((b) => b.type === "heading").length).toBeGreaterThan(20);
    expect(blocks.some((b) => b.type === "table" && b.header.length >= 5)).toBe(true);
    expect(blocks.some((b) => b.type === "code" && b.text.includes("co2eLocationKg"))).toBe(true);
    const nested = blocks.flatMap((b) =>
      b.type === "list" ? b.items.flatMap((i) => i.children) : [],
    );
    expect(nested.some((b) => b.type === "table")).toBe(true);
    const text = JSON.stringify(blocks);
    expect(text).not.toContain("**");
    expect(text).not.toContain("&amp;");
  });
});
