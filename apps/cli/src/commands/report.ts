import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { connect } from "@canopy/db";
import {
  finalizeReport,
  formatNumber,
  generateReport,
  getReport,
  downloadReport,
  isReportFormat,
  parsePeriod,
  renderReport,
  type ReportActor,
} from "@canopy/reports";
import { openRuntime, tenantIdOfSlug } from "../runtime";

const usage = `Usage: canopy report --org <slug> --month YYYY-MM [--format csv|xlsx|pdf] [--out file]
         [--quarter YYYY-Qn | --year YYYY] [--tags team,cost-centre] [--finalize]`;

/**
 * `canopy report --org <slug> --month YYYY-MM`: generates (or recomputes) the organization's report for
 * the period as a draft and writes one format to a file. With --finalize it locks the version first
 * (as the operator, who holds the database owner's access) and writes the stored, locked file.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      org: { type: "string" },
      month: { type: "string" },
      quarter: { type: "string" },
      year: { type: "string" },
      format: { type: "string", default: "pdf" },
      out: { type: "string" },
      tags: { type: "string" },
      finalize: { type: "boolean", default: false },
    },
  });
  const periodText = values.month ?? values.quarter ?? values.year;
  const format = values.format ?? "pdf";
  if (!values.org || !periodText || !isReportFormat(format)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const period = parsePeriod(periodText);

  const { database } = await openRuntime();
  const owner = connect(database.urls.owner, { max: 1, applicationName: "canopy-cli" });
  const app = connect(database.urls.app, { max: 2, applicationName: "canopy-cli" });
  try {
    const tenantId = await tenantIdOfSlug(owner, values.org);
    if (!tenantId) return 1;
    const actor: ReportActor = {
      userId: null,
      role: values.finalize ? "owner" : "system",
      label: "canopy cli",
    };
    const tagKeys = values.tags
      ? values.tags
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean)
      : undefined;
    const { report } = await generateReport(
      app,
      tenantId,
      { period, ...(tagKeys ? { tagKeys } : {}) },
      actor,
    );
    const locked =
      values.finalize && report.status === "draft"
        ? await finalizeReport(app, tenantId, report.id, actor)
        : report;
    const { model } = await getReport(app, tenantId, locked.id, actor);
    const file =
      locked.status === "final"
        ? await downloadReport(app, tenantId, locked.id, format, actor)
        : await renderReport(model, format);
    const out = values.out ?? file.fileName;
    await writeFile(out, file.body);
    const kg = model.content.customerView;
    process.stdout.write(
      [
        `${model.content.organization.name}, ${period.label}: report ${locked.id} version ${locked.version} (${locked.status})`,
        `  Scope 3 Cat. 1: ${formatNumber(kg.scope3Category1LocationKg, 1)} kg CO2e location-based (lifecycle grid factors), ${formatNumber(kg.scope3Category1MarketKg, 1)} kg CO2e market-based (estimated: contractual coverage + residual mix)`,
        `  content SHA-256 ${model.header.contentSha256}`,
        `  wrote ${out} (${file.body.length.toLocaleString("en-US")} bytes)`,
      ].join("\n") + "\n",
    );
    return 0;
  } finally {
    await Promise.all([owner.close(), app.close()]);
    await database.embedded?.stop();
  }
}
