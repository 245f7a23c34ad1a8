/**
 * Kinds of source a usage row can come from (usage_hourly.source_kind), and the default precedence
 * between them. For each cloud account and UTC day exactly one source counts: the one whose kind
 * comes first in the account's precedence (cloud_accounts.source_precedence, else this default);
 * between sources of equal rank, the newest write wins. The others are kept in usage_superseded.
 */
export const sourceKinds = {
  cur2: "AWS CUR 2.0 file",
  cur: "AWS legacy CUR file",
  "aws-athena": "AWS CUR 2.0 via Athena",
  "aws-cost-explorer": "AWS Cost Explorer (daily)",
  azure: "Azure cost details export",
  "azure-cost-details": "Azure Cost Details API",
  "azure-query": "Azure Cost Management Query API (daily)",
  gcp: "GCP billing export file",
  "gcp-bigquery": "GCP billing export via BigQuery",
  focus: "FOCUS file",
  usage: "Canopy usage file",
  demo: "Demo data",
  unknown: "Unrecorded source (before source lineage)",
} as const;
export type SourceKind = keyof typeof sourceKinds;

export function isSourceKind(value: string): value is SourceKind {
  return Object.hasOwn(sourceKinds, value);
}

/**
 * Default precedence, best first; kinds on one line share a rank. Line-item, hourly sources (the CUR
 * and what Athena reads of it, Azure cost details, the GCP export) come before FOCUS, a normalized
 * re-export of the same charges; FOCUS before the providers' aggregated daily APIs (Cost Explorer,
 * Query), which drop resources and hours; anything before rows with no recorded source and demo data.
 */
export const defaultSourcePrecedence: readonly (readonly SourceKind[])[] = [
  ["cur2", "cur", "aws-athena", "azure", "azure-cost-details", "gcp", "gcp-bigquery"],
  ["focus"],
  ["usage"],
  ["aws-cost-explorer", "azure-query"],
  ["unknown"],
  ["demo"],
];

/** Rank of a kind under an account's precedence (lower wins); kinds it does not list rank last. */
export function sourceRank(kind: string, accountPrecedence?: readonly string[] | null): number {
  if (accountPrecedence?.length) {
    const index = accountPrecedence.indexOf(kind);
    return index < 0 ? accountPrecedence.length + defaultSourcePrecedence.length : index;
  }
  const rank = defaultSourcePrecedence.findIndex((kinds) =>
    (kinds as readonly string[]).includes(kind),
  );
  return rank < 0 ? defaultSourcePrecedence.length : rank;
}

/** Every kind with its rank under an account's precedence, for the writer's SQL. */
export function sourceRanks(
  accountPrecedence?: readonly string[] | null,
): { kind: string; rank: number }[] {
  const kinds = new Set<string>([...Object.keys(sourceKinds), ...(accountPrecedence ?? [])]);
  return [...kinds].map((kind) => ({ kind, rank: sourceRank(kind, accountPrecedence) }));
}

/** An account's precedence setting names an unknown kind or one kind twice. */
export class SourcePrecedenceError extends Error {}

/** Checks an account's precedence setting: known kinds, each once. */
export function parseSourcePrecedence(value: readonly string[]): SourceKind[] {
  const seen = new Set<string>();
  for (const kind of value) {
    if (!isSourceKind(kind))
      throw new SourcePrecedenceError(
        `Unknown source kind "${kind}"; one of ${Object.keys(sourceKinds).join(", ")}`,
      );
    if (seen.has(kind)) throw new SourcePrecedenceError(`Source kind "${kind}" is listed twice`);
    seen.add(kind);
  }
  return [...seen] as SourceKind[];
}
