import { createReadStream, statSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { BillingFileError } from "./read-rows";

export const READ_CHUNK_BYTES = 1 << 20;

/**
 * The file's bytes (decompressed when gzipped) as Buffer chunks, optionally only bytes [start, end).
 * A truncated or corrupt gzip stream ("unexpected end of file") becomes a BillingFileError.
 */
export async function* fileChunks(
  path: string,
  gzipped: boolean,
  range?: { start: number; end: number },
  onProgress?: (fraction: number) => void,
): AsyncGenerator<Buffer> {
  const totalBytes = onProgress ? (range ? range.end - range.start : statSync(path).size) : 0;
  const report = () => onProgress?.(totalBytes > 0 ? Math.min(1, file.bytesRead / totalBytes) : 1);
  const file = createReadStream(path, {
    highWaterMark: READ_CHUNK_BYTES,
    ...(range ? { start: range.start, end: range.end - 1 } : {}),
  });
  if (!gzipped) {
    try {
      for await (const chunk of file) {
        yield chunk as Buffer;
        report();
      }
    } finally {
      file.destroy();
    }
    return;
  }
  const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
  file.on("error", (error) => gunzip.destroy(error));
  file.pipe(gunzip);
  try {
    for await (const chunk of gunzip) {
      yield chunk as Buffer;
      report();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BillingFileError(`cannot decompress ${path}: ${message} (the gzip file is truncated or corrupt)`);
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}
