import type { ImportRow } from "./imports";

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
