import { inject } from "vitest";
import { createScratchDatabase, type ScratchDatabase } from "./scratch";
import type { TestServices } from "./test-server";

/** The PostgreSQL server and Redis the global test setup found or started. */
export function testServices(): TestServices {
  const read = inject as unknown as <K extends keyof TestServices>(key: K) => TestServices[K];
  return { testDatabaseUrl: read("testDatabaseUrl"), testRedisUrl: read("testRedisUrl") };
}

export type TestDatabase = ScratchDatabase;

/**
 * Creates a uniquely named database on the test server (see test-server.ts), migrated, with
 * its own login roles. Every suite gets its own, so runs never see each other's data.
 */
export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(testServices().testDatabaseUrl);
}
