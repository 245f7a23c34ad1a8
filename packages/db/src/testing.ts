import { randomBytes } from "node:crypto";
import type { TestServices } from "./test-server";
import pg from "pg";
import { inject } from "vitest";
import { connect, type Connection } from "./client";
import { migrate } from "./migrate";
import { dropLoginRoles } from "./roles";
import { databaseUrls, type DatabaseUrls } from "./urls";

/** The PostgreSQL server and Redis the global test setup found or started. */
export function testServices(): TestServices {
  const read = inject as unknown as <K extends keyof TestServices>(key: K) => TestServices[K];
  return { testDatabaseUrl: read("testDatabaseUrl"), testRedisUrl: read("testRedisUrl") };
}

export type TestDatabase = {
  name: string;
  urls: DatabaseUrls;
  rolePrefix: string;
  owner: Connection;
  app: Connection;
  auth: Connection;
  /** Drops the database and its login roles, leaving the server as it was. */
  drop(): Promise<void>;
};

const TEST_PASSWORD = "canopy-test-password";

/**
 * Creates a uniquely named database on the test server (see test-server.ts), migrated, with
 * its own login roles. Every suite gets its own, so runs never see each other's data.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = testServices().testDatabaseUrl;
  const suffix = randomBytes(5).toString("hex");
  const name = `canopy_test_${suffix}`;
  const rolePrefix = `canopy_t${suffix}`;
  await withServer(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const ownerUrl = new URL(serverUrl);
  ownerUrl.pathname = `/${name}`;
  await migrate({ ownerUrl: ownerUrl.toString(), rolePrefix, appPassword: TEST_PASSWORD });
  const urls = databaseUrls({
    ownerUrl: ownerUrl.toString(),
    rolePrefix,
    appPassword: TEST_PASSWORD,
  });
  const owner = connect(urls.owner, { max: 4 });
  const app = connect(urls.app, { max: 4 });
  const auth = connect(urls.auth, { max: 2 });
  return {
    name,
    urls,
    rolePrefix,
    owner,
    app,
    auth,
    async drop() {
      await Promise.all([owner.close(), app.close(), auth.close()]);
      await withServer(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await dropLoginRoles(client, rolePrefix);
      });
    },
  };
}

async function withServer<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
