import { randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { canopyHome } from "@canopy/config";
import { emptySummary } from "@canopy/jobs";
import type { TestDatabase } from "@canopy/db/testing";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as imports from "@/app/api/v1/imports/route";
import * as importConfirm from "@/app/api/v1/imports/[id]/confirm/route";
import { serverEnv } from "@/lib/server/env";

const MiB = 1024 * 1024;
const MAX_BYTES = 1 * MiB;
const QUOTA_BYTES = 3 * MiB;
const ORIGIN = "http://localhost:3999";
const BOUNDARY = "----canopy-test-boundary";

let db: TestDatabase;
let ownerA: TestUser;
let ownerB: TestUser;
let tenantA: string;
let tenantB: string;
let server: http.Server;
let port: number;

/**
 * The upload route behind a real HTTP server, handed the request the way Next.js hands it to an app
 * route (NextRequestAdapter: the Node request itself as a streaming body, nothing read beforehand).
 */
function serve(handler: (request: Request, segment: never) => Promise<Response>) {
  return http.createServer(async (req, res) => {
    const request = new Request(`${ORIGIN}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req as unknown as BodyInit,
      duplex: "half",
    } as RequestInit);
    const response = await handler(request, { params: Promise.resolve({}) } as never);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
}

const partHead = (fields: Record<string, string> = {}, fileName = "big.csv") =>
  Buffer.from(
    Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join("") +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
      "Content-Type: text/csv\r\n\r\n",
  );

type Outcome = {
  status: number;
  body: { error?: { code: string; message: string } };
  /** Milliseconds from the request's start to the response's headers. */
  ms: number;
  /** Bytes the client had written when the response came. */
  sentWhenAnswered: number;
  /** Whether the client had sent its whole body when the response came. */
  finishedSending: boolean;
};

/**
 * POSTs a multipart upload: `contentLength` declared (and only a little of it sent), or chunked,
 * sending `total` bytes of file as fast as the server takes them. Resolves on the response; rejects
 * after 10 s without one (the behaviour this suite exists to rule out).
 */
function upload(
  user: TestUser,
  options: { contentLength?: number; total: number; fields?: Record<string, string> },
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request({
      host: "127.0.0.1",
      port,
      path: "/api/v1/imports",
      method: "POST",
      headers: {
        cookie: user.cookie,
        origin: ORIGIN,
        "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
        ...(options.contentLength !== undefined
          ? { "content-length": String(options.contentLength) }
          : {}),
      },
    });
    let sent = 0;
    let answered = false;
    let finishedSending = false;
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (!answered && sent < options.total) {
        sent += chunk.length;
        if (!request.write(chunk)) return;
      }
      if (!answered && options.contentLength === undefined) {
        finishedSending = true;
        request.end(`\r\n--${BOUNDARY}--\r\n`);
      }
    };
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no response after 10 s (client had sent ${sent} bytes)`));
    }, 10_000);
    request.on("response", (response) => {
      answered = true;
      const ms = performance.now() - started;
      const sentWhenAnswered = sent;
      const wasFinished = finishedSending;
      let text = "";
      response.on("data", (d: Buffer) => (text += d));
      response.on("end", () => {
        clearTimeout(timer);
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          body: text ? JSON.parse(text) : {},
          ms,
          sentWhenAnswered,
          finishedSending: wasFinished,
        });
      });
    });
    request.on("error", () => undefined); // the server stops reading; the socket then goes
    request.on("drain", pump);
    request.write(partHead(options.fields));
    pump();
  });
}

/** The organization's folder of the file store (CANOPY_HOME/files/<tenant>). */
const tenantFiles = (tenantId: string) => path.join(canopyHome(serverEnv()), "files", tenantId);

/** Every file (not folder) under the organization's folder of the file store. */
function storedFiles(tenantId: string): string[] {
  const dir = tenantFiles(tenantId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

async function importRuns(tenantId: string) {
  const { rows } = await db.owner.pool.query<{ id: string; status: string }>(
    "SELECT id, status FROM sync_runs WHERE tenant_id = $1 AND kind = 'import'",
    [tenantId],
  );
  return rows;
}

/** An import recorded directly, with `bytes` of file counted against the quota. */
async function recordImport(
  tenantId: string,
  status: string,
  bytes: number,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const id = randomUUID();
  await db.owner.pool.query(
    `INSERT INTO sync_runs (id, tenant_id, kind, status, details, finished_at)
     VALUES ($1, $2, 'import', $3, $4, now())`,
    [
      id,
      tenantId,
      status,
      { ...emptySummary("bill.csv", `${tenantId}/${id}/bill.csv`, bytes), ...extra },
    ],
  );
  return id;
}

const fileForm = (bytes: number) => {
  const form = new FormData();
  form.set("file", new Blob([Buffer.alloc(bytes, "b")]), "bill.csv");
  return form;
};

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  vi.stubEnv("CANOPY_IMPORT_MAX_BYTES", String(MAX_BYTES));
  vi.stubEnv("CANOPY_IMPORT_QUOTA_BYTES", String(QUOTA_BYTES));
  vi.stubEnv("CANOPY_IMPORT_MAX_LINES", "250000");
  ownerA = await signUp("owner@limits-a.test");
  ownerB = await signUp("owner@limits-b.test");
  tenantA = await createOrganization(ownerA, "Limits A");
  tenantB = await createOrganization(ownerB, "Limits B");
  server = serve(imports.POST);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await tearDownWebTestDatabase(db);
});

describe("upload limit (CANOPY_IMPORT_MAX_BYTES)", () => {
  it("answers 413 at once when the Content-Length is over the limit, before reading the body; stores nothing", async () => {
    // 20 GiB announced, a few bytes sent: the answer cannot wait for the body.
    const outcome = await upload(ownerA, { contentLength: 20 * 1024 ** 3, total: 64 * 1024 });
    console.log(`413 for a 20 GiB Content-Length after ${outcome.ms.toFixed(1)} ms`);
    expect(outcome.status).toBe(413);
    expect(outcome.ms).toBeLessThan(2000);
    expect(outcome.body.error).toEqual({
      code: "file_too_large",
      message: "The file is larger than the import limit of 1 MiB (CANOPY_IMPORT_MAX_BYTES).",
      fields: {
        file: ["The file is larger than the import limit of 1 MiB (CANOPY_IMPORT_MAX_BYTES)."],
      },
    });
    expect(storedFiles(tenantA)).toEqual([]);
    expect(await importRuns(tenantA)).toEqual([]);
  });

  it("answers 413 as soon as a chunked body passes the limit, stops reading and deletes the partial file", async () => {
    const outcome = await upload(ownerA, { total: 64 * MiB });
    console.log(
      `413 for a chunked upload after ${outcome.ms.toFixed(1)} ms, ${(outcome.sentWhenAnswered / MiB).toFixed(1)} MiB sent of 64 MiB`,
    );
    expect(outcome.status).toBe(413);
    expect(outcome.body.error?.code).toBe("file_too_large");
    expect(outcome.body.error?.message).toMatch(/larger than the import limit of 1 MiB/);
    // Answered mid-upload: the client was still sending.
    expect(outcome.finishedSending).toBe(false);
    expect(outcome.sentWhenAnswered).toBeLessThan(64 * MiB);
    expect(outcome.ms).toBeLessThan(5000);
    // Nothing of it is left: no file, no empty import folder, no import.
    expect(storedFiles(tenantA)).toEqual([]);
    const dir = tenantFiles(tenantA);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect(await importRuns(tenantA)).toEqual([]);
  });

  it("refuses a bad field before the file at once, without reading the file", async () => {
    const outcome = await upload(ownerA, { total: 64 * MiB, fields: { format: "bogus" } });
    expect(outcome.status).toBe(400);
    expect(outcome.body.error?.message).toBe("Unknown format.");
    expect(outcome.finishedSending).toBe(false);
    expect(storedFiles(tenantA)).toEqual([]);
  });

  it("accepts a file within the limit sent chunked", async () => {
    const outcome = await upload(ownerB, { total: 512 * 1024 });
    expect(outcome.status).toBe(202);
    expect(storedFiles(tenantB)).toHaveLength(1);
  });
});

describe("storage quota (CANOPY_IMPORT_QUOTA_BYTES)", () => {
  it("refuses an upload that would pass the organization's quota, naming quota, used and remaining; another organization is unaffected", async () => {
    const kept = await recordImport(tenantA, "succeeded", 2.5 * MiB);
    const refused = await call(imports.POST, {
      path: "/api/v1/imports",
      method: "POST",
      credential: ownerA,
      body: fileForm(768 * 1024),
    });
    expect(refused.status).toBe(413);
    expect(refused.body.error?.code).toBe("import_quota_exceeded");
    expect(refused.body.error?.message).toBe(
      "The file would pass the organization's 3 MiB storage quota for billing files (CANOPY_IMPORT_QUOTA_BYTES): " +
        "2.5 MiB used by the files still kept, 512 KiB remaining. Stored files are deleted some time after their " +
        "import finishes (CANOPY_IMPORT_FILE_RETENTION_DAYS).",
    );
    expect(storedFiles(tenantA)).toEqual([]);
    expect((await importRuns(tenantA)).map((r) => r.id)).toEqual([kept]);

    // Organization B stores as much as it likes within its own quota.
    const other = await call(imports.POST, {
      path: "/api/v1/imports",
      method: "POST",
      credential: ownerB,
      body: fileForm(768 * 1024),
    });
    expect(other.status).toBe(202);

    // The limits and the organization's usage, on the import list.
    const listA = await call(imports.GET, { path: "/api/v1/imports", credential: ownerA });
    expect(listA.body.limits).toEqual({
      maxFileBytes: MAX_BYTES,
      maxLines: 250_000,
      quotaBytes: QUOTA_BYTES,
      usedBytes: 2.5 * MiB,
      remainingBytes: 0.5 * MiB,
      fileRetentionDays: 90,
    });
    const listB = await call(imports.GET, { path: "/api/v1/imports", credential: ownerB });
    expect((listB.body.limits as { usedBytes: number }).usedBytes).toBe(512 * 1024 + 768 * 1024);

    // A file the retention deleted no longer counts.
    await db.owner.pool.query(
      `UPDATE sync_runs SET details = details || jsonb_build_object('fileDeletedAt', now()::text) WHERE id = $1`,
      [kept],
    );
    const now = await call(imports.POST, {
      path: "/api/v1/imports",
      method: "POST",
      credential: ownerA,
      body: fileForm(768 * 1024),
    });
    expect(now.status).toBe(202);
    expect(storedFiles(tenantA)).toHaveLength(1);
  });

  it("refuses at once, before reading the body, when the quota is used up", async () => {
    const full = await recordImport(tenantA, "failed", QUOTA_BYTES);
    try {
      const outcome = await upload(ownerA, { contentLength: 100 * 1024, total: 16 * 1024 });
      expect(outcome.status).toBe(413);
      expect(outcome.ms).toBeLessThan(2000);
      expect(outcome.body.error?.code).toBe("import_quota_exceeded");
      expect(outcome.body.error?.message).toMatch(/0 bytes remaining/);
    } finally {
      await db.owner.pool.query("DELETE FROM sync_runs WHERE id = $1", [full]);
    }
  });
});

describe("actions on an import whose file is no longer kept", () => {
  it("confirm answers 409 file_not_kept with the reason and leaves the import waiting", async () => {
    const id = await recordImport(tenantA, "awaiting_confirmation", 100, {
      fileDeletedAt: "2026-01-02T03:04:05.000Z",
    });
    const confirmed = await call(importConfirm.POST, {
      path: `/api/v1/imports/${id}/confirm`,
      method: "POST",
      credential: ownerA,
      params: { id },
    });
    expect(confirmed.status).toBe(409);
    expect(confirmed.body.error).toEqual({
      code: "file_not_kept",
      message:
        "The uploaded file bill.csv is no longer kept (deleted on 2026-01-02 after the retention period, " +
        "CANOPY_IMPORT_FILE_RETENTION_DAYS), so it cannot be imported again. The usage it imported is unchanged; " +
        "upload the file again to import it.",
    });

    // Missing from the store without the mark (lost, or another machine's disk): the same answer.
    const lost = await recordImport(tenantA, "awaiting_confirmation", 100);
    const again = await call(importConfirm.POST, {
      path: `/api/v1/imports/${lost}/confirm`,
      method: "POST",
      credential: ownerA,
      params: { id: lost },
    });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe("file_not_kept");
    const { rows } = await db.owner.pool.query<{ status: string }>(
      "SELECT status::text FROM sync_runs WHERE id = ANY($1::uuid[])",
      [[id, lost]],
    );
    expect(rows.map((r) => r.status)).toEqual(["awaiting_confirmation", "awaiting_confirmation"]);
  });
});
