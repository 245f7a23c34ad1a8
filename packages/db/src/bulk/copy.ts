import { once } from "node:events";
import type { PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";

type CopyValue = string | number | boolean | Date | null | undefined | Record<string, unknown>;

const CHUNK_CHARS = 1 << 20;

/** One value in PostgreSQL's COPY text format. */
export function encodeCopyValue(value: CopyValue): string {
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

/** One row in PostgreSQL's COPY text format, with its newline. */
function encodeRow(row: readonly CopyValue[]): string {
  let line = "";
  for (let i = 0; i < row.length; i++) line += (i ? "\t" : "") + encodeCopyValue(row[i]);
  return line + "\n";
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
  let count = 0;
  async function* chunks() {
    let chunk = "";
    for await (const row of rows) {
      chunk += encodeRow(row);
      count++;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = "";
      }
    }
    if (chunk) yield chunk;
  }
  await copyText(client, table, columns, chunks());
  return count;
}

/**
 * Streams text that is already in COPY text format (whole lines) into `table`, with backpressure.
 * For hot paths that encode their rows themselves; everything else uses copyRows.
 */
export async function copyText(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  chunks: AsyncIterable<string>,
): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
  let failure: Error | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", (error: Error) => {
      failure ??= error;
      reject(error);
    });
  });
  // The server can refuse a row (or the connection can drop) while rows are still being produced,
  // long before `await finished` below: without a handler now, that rejection is "unhandled" and
  // ends the process. It is still reported, by the await below or by the check in the loop.
  finished.catch(() => undefined);
  try {
    for await (const chunk of chunks) {
      if (failure) break;
      if (!stream.write(chunk)) await Promise.race([once(stream, "drain"), finished]);
    }
    if (failure) throw failure;
    stream.end();
  } catch (error) {
    // Abort the COPY (the server then answers with its own error, which we absorb) and report ours.
    stream.destroy(error as Error);
    await finished.catch(() => undefined);
    throw error;
  }
  await finished;
}
