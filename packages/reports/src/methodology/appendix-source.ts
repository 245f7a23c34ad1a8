import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { auditorAppendix } from "./auditor-text";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The published method; the report appendix is generated from it (scripts/build-appendix.ts). */
export const methodologyDocRelativePath = "docs/methodology.md";
export const methodologyDocPath = path.resolve(here, "../../../../", methodologyDocRelativePath);
export const generatedModulePath = path.join(here, "methodology.generated.ts");

/**
 * The TypeScript module that carries the document into every build (web, worker, CLI): its text as
 * an auditor reads it (auditorAppendix: no references to Canopy's source files) and the SHA-256 of
 * the published document it was made from.
 */
export function generatedAppendixModule(document: string): string {
  const sha256 = createHash("sha256").update(document).digest("hex");
  return [
    "// Generated from docs/methodology.md by scripts/build-appendix.ts. Do not edit: run",
    "// `pnpm --filter @canopy/reports build:appendix` after changing the document.",
    `export const methodologySource = ${JSON.stringify(methodologyDocRelativePath)};`,
    "/** SHA-256 of docs/methodology.md as published (the appendix is its text for auditors). */",
    `export const methodologySha256 = ${JSON.stringify(sha256)};`,
    `export const methodologyMarkdown: string = ${JSON.stringify(auditorAppendix(document))};`,
    "",
  ].join("\n");
}
