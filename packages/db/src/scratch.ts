import { randomBytes } from "node:crypto";
import pg from "pg";
import { connect, guardClient, type Connection } from "./client";
import { migrate } from "./migrate";
import { dropLoginRoles } from "./roles";
import { databaseUrls, type DatabaseUrls } from "./urls";

export type ScratchDatabase = {
  name: string;
  urls: DatabaseUrls;
  rolePrefix: string;
  owner: Connection;
  app: Connection;
  auth: Connection;
  /** Drops the database and its login roles, leaving the server as it was. */
  drop(): Promise<void>;
};

export const SCRATCH_PASSWORD = "canopy-test-password";

/**
 * Creates a uniquely named, migrated database with its own login roles on `serverUrl` (a role that
 * may create databases and roles), for tests and benchmarks; `drop()` removes both.
 */
export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const suffix = randomBytes(5).toString("hex");
  const name = `canopy_test_${suffix}`;
  const rolePrefix = `canopy_t${suffix}`;
  await withServer(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const ownerUrl = new URL(serverUrl);
  ownerUrl.pathname = `/${name}`;
  await migrate({ ownerUrl: ownerUrl.toString(), rolePrefix, appPassword: SCRATCH_PASSWORD });
  const urls = databaseUrls({
    ownerUrl: ownerUrl.toString(),
    rolePrefix,
    appPassword: SCRATCH_PASSWORD,
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
  const client = guardClient(new pg.Client({ connectionString: url }));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
