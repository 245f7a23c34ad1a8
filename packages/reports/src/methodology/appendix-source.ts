import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The published method; the report appendix is generated from it (scripts/build-appendix.ts). */
export const methodologyDocRelativePath = "docs/methodology.md";
export const methodologyDocPath = path.resolve(here, "../../../../", methodologyDocRelativePath);
export const generatedModulePath = path.join(here, "methodology.generated.ts");

/** The TypeScript module that carries the document's text into every build (web, worker, CLI). */
export function generatedAppendixModule(markdown: string): string {
  const sha256 = createHash("sha256").update(markdown).digest("hex");
  return [
    "// Generated from docs/methodology.md by scripts/build-appendix.ts. Do not edit: run",
    "// `pnpm --filter @canopy/reports build:appendix` after changing the document.",
    `export const methodologySource = ${JSON.stringify(methodologyDocRelativePath)};`,
    `export const methodologySha256 = ${JSON.stringify(sha256)};`,
    `export const methodologyMarkdown: string = ${JSON.stringify(markdown)};`,
    "",
  ].join("\n");
}
