import "server-only";
import { Readable } from "node:stream";
import busboy from "busboy";
import { billingFormats, type BillingFormat } from "@canopy/connectors";
import {
  FileTooLargeError,
  fileTooLarge,
  ImportQuotaExceededError,
  importEmissions,
  importStorage,
  quotaMessage,
  submitImport,
  type ImportEstimates,
  type ImportTotals,
} from "@canopy/jobs";
import { importRunRow, listImportRunRows, type ImportRunRow } from "@canopy/db";
import { ApiError, badRequest, notFound } from "./api-error";
import { writeAudit } from "./audit";
import { appDb } from "./db";
import { serverEnv } from "./env";
import { fileStore, queue } from "./queue";
import type { TenantScope } from "./tenant-scope";

export const IMPORT_FORMATS = billingFormats;

export type ImportRow = ImportRunRow;

/**
 * What a request body may carry besides the file: multipart boundaries and part headers, and the few
 * small fields read before the file (at most MAX_FIELDS of MAX_FIELD_BYTES each). A Content-Length
 * past the limit by more than this cannot hold a file within it.
 */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;
const MAX_FIELDS = 10;
const MAX_FIELD_BYTES = 1024;

/** The organization's upload limits and stored files, as GET /api/v1/imports and /imports show them. */
export type ImportLimits = {
  maxFileBytes: number;
  /** Most lines one import reads; 0: no limit. */
  maxLines: number;
  /** 0: no quota (remainingBytes is then null). */
  quotaBytes: number;
  usedBytes: number;
  remainingBytes: number | null;
  /** Days a finished import's file is kept; 0: forever. */
  fileRetentionDays: number;
};

export async function importLimits(scope: TenantScope): Promise<ImportLimits> {
  const env = serverEnv();
  const storage = await importStorage(
    appDb(),
    scope.principal.tenantId,
    env.CANOPY_IMPORT_QUOTA_BYTES,
  );
  return {
    maxFileBytes: env.CANOPY_IMPORT_MAX_BYTES,
    maxLines: env.CANOPY_IMPORT_MAX_LINES,
    quotaBytes: storage.quotaBytes,
    usedBytes: storage.usedBytes,
    remainingBytes: storage.remainingBytes,
    fileRetentionDays: env.CANOPY_IMPORT_FILE_RETENTION_DAYS,
  };
}

/**
 * 413 Content Too Large for both refusals: the file limit, and the organization's storage quota. The
 * quota is not 507 Insufficient Storage: that says the server could not store it (a server fault a
 * client may retry as is), while here the server refuses this request's content for this
 * organization, which only a smaller file (or files freed by the retention) changes.
 */
const tooLarge = (message: string, code = "file_too_large") =>
  new ApiError(413, code, message, { file: [message] });

/**
 * Streams a multipart upload (optional fields `format`, `cloudAccountId` and `replace`, then `file`) into
 * the file store and queues its import. The file never sits whole in memory. Refused with 413 before
 * any of the body is read when its Content-Length is past the file limit (CANOPY_IMPORT_MAX_BYTES) or
 * what the organization's quota leaves (CANOPY_IMPORT_QUOTA_BYTES), and as soon as a body without one
 * (chunked) passes either: the reading stops there and the partial file is deleted. Writes an audit
 * entry.
 */
export async function createImportFromMultipart(
  scope: TenantScope,
  request: Request,
): Promise<{ id: string }> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.startsWith("multipart/form-data") || !request.body) {
    throw badRequest("Send the billing file as multipart/form-data in a field named `file`.", {
      file: ["Choose a billing file to upload."],
    });
  }
  const env = serverEnv();
  const maxBytes = env.CANOPY_IMPORT_MAX_BYTES;
  const quotaBytes = env.CANOPY_IMPORT_QUOTA_BYTES;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES)
    throw tooLarge(fileTooLarge(maxBytes).message);
  if (quotaBytes > 0 && Number.isFinite(declared)) {
    const storage = await importStorage(appDb(), scope.principal.tenantId, quotaBytes);
    const remaining = storage.remainingBytes ?? 0;
    if (declared > remaining + MULTIPART_OVERHEAD_BYTES || remaining === 0)
      throw tooLarge(
        quotaMessage({ ...storage, remainingBytes: remaining }),
        "import_quota_exceeded",
      );
  }
  const fields: Record<string, string> = {};
  let fileName = "upload";
  let replaceRequested = false;
  const body = Readable.fromWeb(request.body as import("node:stream/web").ReadableStream);
  const upload = new Promise<{ id: string } | null>((resolve, reject) => {
    let started: Promise<{ id: string }> | null = null;
    let settled = false;
    const parser = busboy({
      headers: { "content-type": contentType },
      limits: { files: 1, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES },
    });
    /**
     * Answers at once and reads no more of the body. The rest is left unread, not drained: the client
     * gets the answer while it is still sending, and Node closes the idle connection after its
     * keep-alive timeout.
     */
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      body.unpipe(parser);
      body.pause();
      parser.destroy();
      // A file being stored fails with its stream and the store deletes it: answer once it is gone.
      void (started ?? Promise.resolve()).then(
        () => reject(error),
        () => reject(error),
      );
    };
    parser.on("field", (name, value) => (fields[name] = value));
    parser.on("file", (name, stream, info) => {
      // Destroyed with an error when the reading stops early (fail): the store's pipeline, when it
      // has the stream, handles that error; otherwise nothing is left to handle.
      stream.on("error", () => undefined);
      if (name !== "file" || started) {
        stream.resume();
        return;
      }
      const format = (fields.format || undefined) as BillingFormat | undefined;
      // Stored in the import's details (jsonb): no control characters or lone surrogates.
      fileName = (info.filename ?? "").replace(/\p{Cc}/gu, "").toWellFormed() || "upload";
      if (format && !IMPORT_FORMATS.includes(format)) {
        fail(
          badRequest("Unknown format.", {
            format: [`One of ${IMPORT_FORMATS.join(", ")}, or leave it empty to detect it.`],
          }),
        );
        return;
      }
      // The wizard's import step: only the account being set up (optional field before `file`).
      const cloudAccountId = fields.cloudAccountId || undefined;
      if (cloudAccountId && !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(cloudAccountId)) {
        fail(badRequest("Unknown cloud account.", { cloudAccountId: ["Not a valid id."] }));
        return;
      }
      // replace=true: replace stored data the file does not re-supply without asking first.
      const replace = fields.replace || undefined;
      if (replace && replace !== "true" && replace !== "false") {
        fail(badRequest("Invalid replace.", { replace: ["true, false, or leave it out."] }));
        return;
      }
      replaceRequested = replace === "true";
      started = submitImport({
        ...(cloudAccountId ? { cloudAccountId } : {}),
        ...(replaceRequested ? { replace: true } : {}),
        app: appDb(),
        store: fileStore(),
        driver: queue(),
        tenantId: scope.principal.tenantId,
        fileName,
        source: stream,
        maxBytes,
        quotaBytes,
        ...(format ? { format } : {}),
      }).then(({ syncRunId }) => ({ id: syncRunId }));
      // Past the limit or the quota (the store has deleted the partial file): answer now, not once
      // the client has sent the rest.
      started.catch(fail);
    });
    // A malformed body (bad part headers, truncated) is the client's error.
    parser.on("error", (error: Error) =>
      fail(badRequest(`Malformed multipart body: ${error.message}.`, { file: [error.message] })),
    );
    parser.on("close", () => {
      if (!started) {
        if (!settled) {
          settled = true;
          resolve(null);
        }
        return;
      }
      started.then((created) => {
        if (!settled) {
          settled = true;
          resolve(created);
        }
      }, fail);
    });
    // The client went away mid-upload: the file stream fails, the store deletes what it had.
    body.on("error", (error: Error) => parser.destroy(error));
    body.pipe(parser);
  });
  let created: { id: string } | null;
  try {
    created = await upload;
  } catch (error) {
    if (error instanceof FileTooLargeError) throw tooLarge(error.message);
    if (error instanceof ImportQuotaExceededError)
      throw tooLarge(error.message, "import_quota_exceeded");
    throw error;
  }
  if (!created)
    throw badRequest("No file was uploaded.", { file: ["Choose a billing file to upload."] });
  await scope.sql((client) =>
    writeAudit(
      client,
      scope.principal,
      "import.create",
      { type: "import", id: created.id },
      { fileName, ...(replaceRequested ? { replace: true } : {}) },
    ),
  );
  return created;
}

export async function listImports(
  scope: TenantScope,
  page: { limit: number; cursor?: string | undefined },
) {
  const [createdBefore, idBefore] = decodeCursor(page.cursor);
  const rows = await scope.sql((client) =>
    listImportRunRows(client, {
      createdBefore,
      idBefore,
      limit: page.limit + 1,
    }),
  );
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null };
}

export type ImportView = ImportRow & {
  estimates: ImportEstimates;
  totals: ImportTotals | null;
};

/** One import with its progress, summary and (once its estimates have run) the emissions it added. */
export async function getImport(scope: TenantScope, id: string): Promise<ImportView> {
  return scope.sql(async (client) => {
    const row = await importRunRow(client, id);
    if (!row) throw notFound("Import");
    return { ...row, ...(await importEmissions(queue(), client, row)) };
  });
}

export function encodeCursor(createdAt: string, id: string): string {
  const at = new Date(createdAt).toISOString();
  return Buffer.from(`${at}|${id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined): [string | null, string | null] {
  if (!cursor) return [null, null];
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  // Exactly what encodeCursor writes: a UTC timestamp with milliseconds and a UUID.
  if (
    !at ||
    !id ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at) ||
    Number.isNaN(Date.parse(at)) ||
    new Date(at).toISOString() !== at ||
    Number(at.slice(0, 4)) < 1970 ||
    Number(at.slice(0, 4)) > 2100 ||
    !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(id)
  ) {
    throw badRequest("Invalid cursor.", { cursor: ["Use the nextCursor of a previous page."] });
  }
  return [at, id];
}
