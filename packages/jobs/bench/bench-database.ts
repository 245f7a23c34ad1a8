import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "@canopy/config";
import { startEmbeddedPostgres } from "@canopy/db";
import { createScratchDatabase, type ScratchDatabase } from "@canopy/db/scratch";

/**
 * A scratch database for a benchmark: on DATABASE_URL's (else CANOPY_TEST_DATABASE_URL's) server, else
 * on a throwaway embedded PostgreSQL, as the test setup does. `stop()` ends the embedded server.
 */
export async function benchDatabase(): Promise<{
  database: ScratchDatabase;
  stop(): Promise<void>;
}> {
  const env = parseEnv();
  try {
    const database = await createScratchDatabase(env.DATABASE_URL ?? env.CANOPY_TEST_DATABASE_URL);
    return { database, stop: async () => undefined };
  } catch {
    // No server answers: start one.
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "canopy-bench-pg-"));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port });
  const url = new URL(embedded.url);
  url.pathname = "/postgres";
  return {
    database: await createScratchDatabase(url.toString()),
    async stop() {
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
