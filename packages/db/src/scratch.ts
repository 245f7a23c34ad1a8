import { randomBytes } from "node:crypto";
import pg from "pg";
import { connect, guardClient, type Connection } from "./client";
import { migrate } from "./migrate";
import { writeGridIntensity, type GridIntensityPoint } from "./stores/grid-intensity";
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

/**
 * Loads a synthetic lifecycle intensity for every zone and hour of [start, end), for benchmarks: a
 * diurnal curve (±100 g/kWh around a per-zone level), so every hour has its own value.
 */
export async function loadSyntheticGridIntensity(
  owner: Connection,
  zones: readonly string[],
  start: Date,
  end: Date,
): Promise<number> {
  const points: GridIntensityPoint[] = [];
  for (const [index, zone] of [...new Set(zones)].sort().entries()) {
    for (let ms = start.getTime(); ms < end.getTime(); ms += 3_600_000) {
      const hour = new Date(ms);
      points.push({
        zone,
        hour,
        boundary: "lifecycle",
        gCo2ePerKwh: 150 + 40 * index + 100 * Math.sin((hour.getUTCHours() / 24) * 2 * Math.PI),
        estimated: false,
      });
    }
  }
  await writeGridIntensity(owner, {
    source: "electricitymaps-dataset",
    sourceVersion: "synthetic",
    label: "synthetic (benchmark)",
    points,
  });
  await owner.pool.query("ANALYZE grid_intensity_hourly");
  return points.length;
}
