import { once } from "node:events";
import type { PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";

type CopyValue = string | number | boolean | Date | null | undefined | Record<string, unknown>;

const CHUNK_CHARS = 1 << 20;

/** One value in PostgreSQL's COPY text format. */
function encodeValue(value: CopyValue): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === "string"
        ? value
        : JSON.stringify(value);
  return /[\\\t\n\r]/.test(text)
    ? text
        .replaceAll("\\", "\\\\")
        .replaceAll("\t", "\\t")
        .replaceAll("\n", "\\n")
        .replaceAll("\r", "\\r")
    : text;
}

/**
 * Streams rows into `table` with COPY FROM STDIN (text format), in chunks of about 1 MB with
 * backpressure, so memory stays flat however many rows there are. Returns the number of rows copied.
 * `table` and `columns` are identifiers from our own code, never user input.
 */
export async function copyRows(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]> | AsyncIterable<readonly CopyValue[]>,
): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
  const finished = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  let chunk = "";
  let count = 0;
  try {
    for await (const row of rows) {
      let line = "";
      for (let i = 0; i < row.length; i++) line += (i ? "\t" : "") + encodeValue(row[i]);
      chunk += line + "\n";
      count++;
      if (chunk.length >= CHUNK_CHARS) {
        if (!stream.write(chunk)) await once(stream, "drain");
        chunk = "";
      }
    }
    if (chunk) stream.write(chunk);
    stream.end();
  } catch (error) {
    // Abort the COPY (the server then answers with its own error, which we absorb) and report ours.
    stream.destroy(error as Error);
    await finished.catch(() => undefined);
    throw error;
  }
  await finished;
  return count;
}

