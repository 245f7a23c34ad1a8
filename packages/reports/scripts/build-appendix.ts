/**
 * `pnpm --filter @canopy/reports build:appendix`: copies docs/methodology.md into
 * src/methodology/methodology.generated.ts, the source of every report's methodology appendix.
 * A test fails when the two differ, so the appendix cannot drift from the published method.
 */
import { readFileSync, writeFileSync } from "node:fs";
import {
  generatedAppendixModule,
  methodologyDocPath,
  generatedModulePath,
} from "../src/methodology/appendix-source";

const markdown = readFileSync(methodologyDocPath, "utf8");
writeFileSync(generatedModulePath, generatedAppendixModule(markdown));
process.stdout.write(`wrote ${generatedModulePath} (${markdown.length} characters)\n`);
