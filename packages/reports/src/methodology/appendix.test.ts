import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { methodologyDocPath } from "./appendix-source";
import { markdownBlocks } from "./blocks";
import { methodologyMarkdown, methodologySha256 } from "./methodology.generated";

describe("methodology appendix", () => {
  it("is generated from docs/methodology.md (run `pnpm --filter @canopy/reports build:appendix` after editing it)", () => {
    const doc = readFileSync(methodologyDocPath, "utf8");
    expect(methodologyMarkdown === doc, "methodology.generated.ts is out of date").toBe(true);
    expect(methodologySha256).toBe(createHash("sha256").update(doc).digest("hex"));
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
