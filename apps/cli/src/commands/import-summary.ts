import { withTenantClient, type Connection, type ImportSummary, type LineTally } from "@canopy/db";
import { importEmissions, type ImportEstimates, type QueueDriver } from "@canopy/jobs";

type Out = (line: string) => void;

/** Three significant figures, so a small import does not print as zero. */
export const figure = (value: number) =>
  value === 0
    ? "0"
    : Math.abs(value) >= 1000
      ? Math.round(value).toLocaleString("en")
      : value.toPrecision(3);

const count = (n: number) => n.toLocaleString("en");
const day = (iso: string) => iso.slice(0, 10);
/** "2026-03-01 → 2026-03-07" for [start, end) in whole UTC days. */
export const days = (start: string, end: string) => {
  const last = day(new Date(Date.parse(end) - 1).toISOString());
  return day(start) === last ? last : `${day(start)} → ${last}`;
};

function tallies(out: Out, title: string, entries: Record<string, LineTally> | undefined) {
  for (const [reason, tally] of Object.entries(entries ?? {})) {
    const lines = tally.first.map((f) => `${f.line}`).join(", ");
    out(
      `${title} ${count(tally.lines)} line(s): ${reason}${tally.costAmount ? ` (cost ${tally.costAmount.toFixed(2)})` : ""}; first lines ${lines}: ${tally.first[0]?.detail ?? ""}`,
    );
  }
}

/** What an import did, would do (awaiting confirmation) or why it failed, for the terminal. */
export function printImport(summary: ImportSummary, status: string, out: Out) {
  if (status === "failed") {
    out(`Import of ${summary.fileName} failed: ${summary.error ?? "see the worker log"}`);
    for (const a of summary.otherAccounts ?? [])
      out(`  the file holds ${a.provider} account ${a.providerAccountId}`);
    return;
  }
  if (status === "awaiting_confirmation" && summary.preview) {
    out(
      `${summary.fileName} would replace stored usage it does not re-supply; nothing was changed:`,
    );
    for (const a of summary.preview.accounts) {
      out(`  ${a.provider} ${a.providerAccountId}, ${days(a.start, a.end)}:`);
      out(
        `    stored now: ${count(a.stored.rows)} rows, cost ${a.stored.costAmount.toFixed(2)}, ${figure(a.stored.kwhFacility)} kWh, ${figure(a.stored.co2eLocationKg)} kg CO2e, from ${a.stored.sourceKinds.join(", ")}; services ${a.stored.services.join(", ")}`,
      );
      out(
        `    this file:  ${count(a.arriving.rows)} rows, cost ${a.arriving.costAmount.toFixed(2)}; services ${a.arriving.services.join(", ") || "none"}`,
      );
      for (const reason of a.reasons) out(`    - ${reason}`);
    }
    return;
  }
  out(
    `Imported ${summary.fileName} (${summary.format}): ${count(summary.linesRead)} lines read, ${count(summary.linesImported)} with usage, ${count(summary.usageRowsWritten)} hourly rows counted.`,
  );
  if (summary.span) out(`Covers ${days(summary.span.start, summary.span.end)}.`);
  tallies(out, "Kept for cost only (no energy):", summary.costOnly);
  tallies(out, "Skipped", summary.skipped);
  if (summary.warnings)
    out(
      `Warnings on ${count(summary.warnings.lines)} line(s); first ${summary.warnings.first.map((w) => `line ${w.line}: ${w.detail}`).join("; ")}`,
    );
  for (const o of summary.outranked ?? [])
    out(
      `Not counted: ${days(o.start, o.end)} already come from ${o.heldBy.join(", ")} (higher precedence).`,
    );
  for (const r of summary.replaced ?? [])
    out(
      `Replaced ${count(r.stored.rows)} rows (cost ${r.stored.costAmount.toFixed(2)}) of ${r.provider} ${r.providerAccountId} over ${days(r.start, r.end)}; the previous version is kept (canopy imports restore).`,
    );
  if (summary.restoredAt)
    out(`Restored on ${summary.restoredAt}: the previous version counts again.`);
}

/**
 * The emissions a succeeded import added, once its estimates are done (@canopy/jobs importEmissions,
 * the rule the import page and API use); returns where its estimates are.
 */
export async function printImportEmissions(
  driver: Pick<QueueDriver, "kind" | "stats">,
  app: Connection,
  tenantId: string,
  summary: ImportSummary,
  out: Out,
): Promise<ImportEstimates> {
  const { estimates, totals } = await withTenantClient(app, tenantId, (client) =>
    importEmissions(driver, client, { status: "succeeded", details: summary }),
  );
  if (totals)
    out(
      `Emissions for that span: ${figure(totals.co2eLocationKg)} kg CO2e location-based (lifecycle grid factors), ${figure(totals.co2eMarketKg)} kg market-based (estimated: contractual coverage + residual mix), ` +
        `${figure(totals.co2eEmbodiedKg)} kg embodied, ${figure(totals.kwhFacility)} kWh, ${figure(totals.waterL)} L water.`,
    );
  return estimates;
}
