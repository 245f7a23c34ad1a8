import { openRuntime, log } from "../runtime";

/** `canopy migrate`: applies pending migrations, login roles and grants. */
export async function run(): Promise<number> {
  const { database } = await openRuntime();
  log("Migrations applied.");
  await database.embedded?.stop();
  return 0;
}
