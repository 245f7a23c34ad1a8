import { sourceKinds } from "@canopy/db";
import type { ImportSummary } from "@canopy/jobs";
import type { ImportRow, ImportView } from "./imports";

/** An import as the API shows it: the summary without the internal file key. */
export function toImportResource(row: ImportRow) {
  const summary = row.details ? (({ fileKey: _key, ...rest }) => rest)(row.details) : null;
  return {
    id: row.id,
    status: row.status,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    error: row.error,
    summary,
  };
}

/** The source kinds a summary names (its own, outranking sources, replaced data), with their names. */
export function sourceKindLabels(summary: ImportSummary | null): Record<string, string> {
  if (!summary) return {};
  const kinds = new Set<string>();
  if (summary.sourceKind) kinds.add(summary.sourceKind);
  for (const w of summary.outranked ?? []) for (const k of w.heldBy) kinds.add(k);
  for (const a of [...(summary.replaced ?? []), ...(summary.preview?.accounts ?? [])])
    for (const k of [...a.stored.sourceKinds, ...a.arriving.sourceKinds]) kinds.add(k);
  const labels: Record<string, string> = {};
  for (const kind of kinds)
    labels[kind] = (sourceKinds as Record<string, string | undefined>)[kind] ?? kind;
  return labels;
}

/** GET /api/v1/imports/{id}'s body: the resource, estimation state, totals and source kind names. */
export function toImportDetail(view: ImportView) {
  return {
    ...toImportResource(view),
    estimates: view.estimates,
    totals: view.totals,
    sourceKindLabels: sourceKindLabels(view.details),
  };
}
