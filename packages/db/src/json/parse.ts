import type { z } from "zod";

/** A stored JSON value that does not have the shape its column's schema declares. */
export class StoredJsonError extends Error {
  override name = "StoredJsonError";
}

/**
 * `value` parsed with `schema`, or a StoredJsonError naming what was read (`what`, e.g.
 * "sync_runs.details of import 42") and the first fields that do not fit.
 */
export function parseStoredJson<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(value)"}: ${issue.message}`)
    .join("; ");
  throw new StoredJsonError(`${what} is not what its schema declares: ${problems}`);
}
