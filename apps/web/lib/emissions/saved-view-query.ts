import { GROUP_BYS, searchParamsToObject, seriesQuerySchema } from "./params";

/** The dashboard parameters a saved view keeps (everything else in a URL is dropped). */
export const VIEW_PARAMS = [
  "from",
  "to",
  "provider",
  "account",
  "service",
  "region",
  "tag",
  "granularity",
  "groupBy",
  "table",
] as const;

/**
 * A dashboard URL query as a saved view stores it: only the dashboard's parameters, in a fixed order,
 * checked with the same schema as the dashboard. Field errors when it is not a valid view.
 */
export function normalizeViewQuery(
  query: string,
): { ok: true; query: string } | { ok: false; fields: Record<string, string[]> } {
  const input = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  const kept = new URLSearchParams();
  for (const key of VIEW_PARAMS) for (const value of input.getAll(key)) kept.append(key, value);
  const parsed = seriesQuerySchema.safeParse(searchParamsToObject(kept));
  const fields: Record<string, string[]> = {};
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      (fields[issue.path.join(".")] ??= []).push(issue.message);
  const table = kept.get("table");
  if (table !== null && (table === "none" || !(GROUP_BYS as readonly string[]).includes(table)))
    fields.table = ["Not a breakdown grouping."];
  return Object.keys(fields).length ? { ok: false, fields } : { ok: true, query: kept.toString() };
}
