import { constants, createWriteStream } from "node:fs";
import { access, copyFile, mkdir, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { formatBytes } from "./format-bytes";

export class FileTooLargeError extends Error {
  override name = "FileTooLargeError";
}

/**
 * Where uploaded billing files are kept until (and after) they are imported: a folder under
 * CANOPY_HOME/files. Keys are `<tenant>/<import>/<file name>`; the import job reads them back by path.
 */
export type FileStore = {
  /**
   * Stores `source` (an upload stream, or a file on this machine) under `key`, refusing (and
   * removing) it once it passes `maxBytes`.
   */
  put(key: string, source: Readable | LocalFile, maxBytes: number): Promise<{ bytes: number }>;
  localPath(key: string): string;
  /** Whether the file under `key` is still stored. */
  exists(key: string): Promise<boolean>;
  /** Deletes the file (and its import's folder once empty); a file already gone is not an error. */
  remove(key: string): Promise<void>;
};

/** A file already on this machine (the CLI's import): copied by the kernel, not streamed through. */
export type LocalFile = { path: string };

/** The error for a file past `maxBytes` (CANOPY_IMPORT_MAX_BYTES), the limit in readable units. */
export const fileTooLarge = (maxBytes: number) =>
  new FileTooLargeError(
    `The file is larger than the import limit of ${formatBytes(maxBytes)} (CANOPY_IMPORT_MAX_BYTES).`,
  );

export function localFileStore(root: string): FileStore {
  const resolve = (key: string) => {
    const full = path.resolve(root, key);
    if (!full.startsWith(path.resolve(root) + path.sep))
      throw new Error(`Invalid file key: ${key}`);
    return full;
  };
  /** The file and, once empty, its import's folder (`<tenant>/<import>/`); never the root. */
  const removeFile = async (target: string) => {
    await rm(target, { force: true });
    const folder = path.dirname(target);
    if (folder !== path.resolve(root)) await rmdir(folder).catch(() => undefined); // not empty, or gone
  };
  return {
    async put(key, source, maxBytes) {
      const target = resolve(key);
      await mkdir(path.dirname(target), { recursive: true });
      if (!(source instanceof Readable)) {
        if ((await stat(source.path)).size > maxBytes) {
          await removeFile(target);
          throw fileTooLarge(maxBytes);
        }
        // A copy-on-write clone where the file system can, else an in-kernel copy.
        await copyFile(source.path, target, constants.COPYFILE_FICLONE).catch(async (error) => {
          await removeFile(target);
          throw error;
        });
        return { bytes: (await stat(target)).size };
      }
      let bytes = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (bytes > maxBytes) callback(fileTooLarge(maxBytes));
          else callback(null, chunk);
        },
      });
      try {
        await pipeline(source, limit, createWriteStream(target));
      } catch (error) {
        // Past the limit, or the upload broke off: nothing of it is kept.
        await removeFile(target);
        throw error;
      }
      return { bytes: (await stat(target)).size };
    },
    localPath: resolve,
    async exists(key) {
      return access(resolve(key)).then(
        () => true,
        () => false,
      );
    },
    async remove(key) {
      await removeFile(resolve(key));
    },
  };
}

/** A file name safe to use as the last part of a key. */
export function safeFileName(name: string): string {
  const base = path
    .basename(name)
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .slice(-120);
  return base && base !== "." && base !== ".." ? base : "upload";
}
