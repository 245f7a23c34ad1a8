import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";

/**
 * Points the web app's server modules at a fresh test database: the app and auth pools, a session
 * secret, an encryption key and a CANOPY_HOME of its own. Call before importing route modules' code
 * paths (configuration is read lazily on first use).
 */
const homes = new Map<TestDatabase, string>();

export async function setUpWebTestDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  const home = mkdtempSync(path.join(os.tmpdir(), "canopy-web-test-"));
  homes.set(db, home);
  vi.stubEnv("DATABASE_URL", db.urls.owner);
  vi.stubEnv("DATABASE_APP_URL", db.urls.app);
  vi.stubEnv("DATABASE_AUTH_URL", db.urls.auth);
  vi.stubEnv("BETTER_AUTH_SECRET", "test-secret-test-secret-test-secret-0123");
  vi.stubEnv("CANOPY_ENCRYPTION_KEY", Buffer.alloc(32, 9).toString("base64"));
  vi.stubEnv("CANOPY_HOME", home);
  vi.stubEnv("CANOPY_PUBLIC_URL", "http://localhost:3999");
  vi.stubEnv("REDIS_URL", "");
  const pools = globalThis as unknown as Record<string, unknown>;
  pools.canopyApp = db.app;
  pools.canopyAuth = db.auth;
  pools.canopyOwner = db.owner;
  delete pools.canopyQueue;
  return db;
}

export async function tearDownWebTestDatabase(db: TestDatabase) {
  const pools = globalThis as unknown as Record<string, unknown>;
  const queue = pools.canopyQueue as { close(): Promise<void> } | undefined;
  await queue?.close();
  delete pools.canopyQueue;
  // Opened by readDb() itself when a test sets DATABASE_READ_URL; the others are the test database's.
  await (pools.canopyRead as { close(): Promise<void> } | undefined)?.close();
  delete pools.canopyRead;
  delete pools.canopyApp;
  delete pools.canopyAuth;
  delete pools.canopyOwner;
  vi.unstubAllEnvs();
  await db.drop();
  rmSync(homes.get(db) ?? "", { recursive: true, force: true });
  homes.delete(db);
}
