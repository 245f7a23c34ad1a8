import { createReadStream, statSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { BillingFileError } from "./read-rows";

export const READ_CHUNK_BYTES = 1 << 20;

/** Most bytes a gzipped billing file may unpack to (100 GiB; CANOPY_IMPORT_MAX_BYTES bounds the packed size). */
export const MAX_UNPACKED_BYTES = 100 * 1024 ** 3;
/**
 * Largest unpacked:packed ratio once past MAX_RATIO_GRACE_BYTES unpacked. Billing CSVs pack 10–40:1;
 * deflate tops out near 1032:1, which only degenerate input (a gzip bomb) reaches.
 */
export const MAX_GZIP_RATIO = 200;
export const MAX_RATIO_GRACE_BYTES = 16 * 1024 ** 2;

export type InflateLimits = { maxUnpackedBytes?: number; maxRatio?: number; ratioGraceBytes?: number };

/**
 * The file's bytes (decompressed when gzipped) as Buffer chunks, optionally only bytes [start, end).
 * A truncated or corrupt gzip stream ("unexpected end of file") becomes a BillingFileError.
 */
export async function* fileChunks(
  path: string,
  gzipped: boolean,
  range?: { start: number; end: number },
  onProgress?: (fraction: number) => void,
  limits: InflateLimits = {},
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
  const maxUnpacked = limits.maxUnpackedBytes ?? MAX_UNPACKED_BYTES;
  const maxRatio = limits.maxRatio ?? MAX_GZIP_RATIO;
  const grace = limits.ratioGraceBytes ?? MAX_RATIO_GRACE_BYTES;
  let unpacked = 0;
  try {
    for await (const chunk of gunzip) {
      unpacked += (chunk as Buffer).length;
      if (unpacked > maxUnpacked) {
        throw new BillingFileError(`${path}: unpacks to more than ${maxUnpacked} bytes; not read further`);
      }
      // file.bytesRead runs ahead of what gunzip consumed, so the ratio is, if anything, underestimated.
      if (unpacked > grace && unpacked > maxRatio * file.bytesRead) {
        throw new BillingFileError(
          `${path}: unpacks more than ${maxRatio}:1 (${unpacked} bytes from ${file.bytesRead}); a gzip bomb, not a billing file`,
        );
      }
      yield chunk as Buffer;
      report();
    }
  } catch (error) {
    if (error instanceof BillingFileError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new BillingFileError(`cannot decompress ${path}: ${message} (the gzip file is truncated or corrupt)`);
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}
