import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CarbonExportError } from "@canopy/connectors";
import { connect } from "@canopy/db";
import { importCarbonExport, type CarbonImportSummary } from "@canopy/jobs";
import { openRuntime, tenantIdOfSlug } from "../runtime";
import { figure } from "./import-summary";
import { packProviders as providers } from "@canopy/methodology/providers";

const usage =
  "Usage: canopy import-carbon <file> --org <slug> [--provider aws|azure|gcp]  (AWS CARBON_EMISSIONS export CSV, GCP Carbon Footprint export CSV)";

/** The summary lines of a carbon import: what was stored and what it replaced. */
export function describeCarbonImport(summary: CarbonImportSummary): string[] {
  const lines = [
    `${summary.provider.toUpperCase()} carbon export: ${summary.rowsRead} row(s) read, ${summary.stored} figure(s) stored for ${summary.months.map((m) => m.slice(0, 7)).join(", ")}.`,
    ...Object.entries(summary.co2eKgByScope).map(
      ([scope, kg]) => `  ${scope}: ${figure(kg)} kg CO2e`,
    ),
  ];
  if (summary.replaced.length === 0)
    lines.push("Replaced: nothing (no earlier import of these figures).");
  else {
    lines.push(`Replaced ${summary.replaced.length} earlier imported figure set(s):`);
    for (const r of summary.replaced)
      lines.push(
        `  ${r.providerAccountId} ${r.month.slice(0, 7)} ${r.scope}${r.modelVersion ? ` (model ${r.modelVersion})` : ""}: ${figure(r.previousKg)} kg → ${figure(r.co2eKg)} kg`,
      );
  }
  return lines;
}

/**
 * `canopy import-carbon <file> --org <slug>`: imports a provider's carbon export file into the
 * organization's provider-reported figures (the same store as the upload on /reconciliation), so
 * reconciliation works without a live connection. Re-importing replaces, never adds.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { org: { type: "string" }, provider: { type: "string" } },
  });
  const file = positionals[0];
  const provider = values.provider as (typeof providers)[number] | undefined;
  if (!file || !values.org || (provider && !providers.includes(provider))) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const fileInfo = await stat(file).catch(() => undefined);
  if (!fileInfo?.isFile()) {
    process.stderr.write(`canopy: ${file}: no such file\n`);
    return 1;
  }
  const { env, database } = await openRuntime();
  if (fileInfo.size > env.CANOPY_IMPORT_MAX_BYTES) {
    process.stderr.write(
      `canopy: ${file} is ${fileInfo.size} bytes, over CANOPY_IMPORT_MAX_BYTES (${env.CANOPY_IMPORT_MAX_BYTES})\n`,
    );
    await database.embedded?.stop();
    return 1;
  }
  const owner = connect(database.urls.owner, { max: 1 });
  const app = connect(database.urls.app, { max: 2, applicationName: "canopy-cli" });
  try {
    const tenantId = await tenantIdOfSlug(owner, values.org);
    if (!tenantId) return 1;
    const summary = await importCarbonExport(app, tenantId, {
      text: await readFile(file, "utf8"),
      fileName: path.basename(file),
      ...(provider ? { provider } : {}),
      actorLabel: "canopy import-carbon (CLI)",
    });
    for (const line of describeCarbonImport(summary)) process.stdout.write(`${line}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CarbonExportError) {
      process.stderr.write(`canopy: ${file}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await Promise.all([owner.close(), app.close()]);
    await database.embedded?.stop();
  }
}
