/** Resolving a format's logical fields to the header's actual column names, once per file. */

export type ColumnAliases<Field extends string> = Readonly<Record<Field, readonly string[]>>;
export type ResolvedColumns<Field extends string> = Partial<Record<Field, string>>;

/** Case-insensitive: Azure EA writes `MeterCategory`, MCA `meterCategory`. A BOM on the first column is ignored. */
export function resolveColumns<Field extends string>(
  header: readonly string[],
  aliases: ColumnAliases<Field>,
): ResolvedColumns<Field> {
  const byLowerName = new Map<string, string>();
  for (const column of header) {
    const key = column.replace(/^\uFEFF/, "").trim().toLowerCase();
    if (!byLowerName.has(key)) byLowerName.set(key, column);
  }
  const resolved: ResolvedColumns<Field> = {};
  for (const field of Object.keys(aliases) as Field[]) {
    for (const alias of aliases[field]) {
      const actual = byLowerName.get(alias.toLowerCase());
      if (actual !== undefined) {
        resolved[field] = actual;
        break;
      }
    }
  }
  return resolved;
}

/** The first alias of each required field that the header lacks (for "missing columns" messages). */
export function missingColumns<Field extends string>(
  resolved: ResolvedColumns<Field>,
  aliases: ColumnAliases<Field>,
  required: readonly Field[],
): string[] {
  return required.filter((field) => resolved[field] === undefined).map((field) => aliases[field][0] ?? field);
}

export function usedColumnsOf<Field extends string>(resolved: ResolvedColumns<Field>, extra: readonly string[] = []): string[] {
  const used = new Set<string>(extra);
  for (const column of Object.values(resolved) as (string | undefined)[]) if (column !== undefined) used.add(column);
  return [...used];
}
