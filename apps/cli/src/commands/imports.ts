import { parseArgs } from "node:util";
import { connect, importSummaryOfRun, recentSyncRuns, withTenantClient } from "@canopy/db";
import { confirmImport, createJobHost, ImportStateError, restoreRun } from "@canopy/jobs";
import { openRuntime, tenantIdOfSlug } from "../runtime";
import { days, printImport, printImportEmissions } from "./import-summary";

const usage = `Usage: canopy imports list --org <slug>
       canopy imports show <import id> --org <slug>
       canopy imports confirm <import id> --org <slug>   replace stored data as the preview says
       canopy imports restore <import or sync id> --org <slug>   count the version it replaced again`;

/**
 * `canopy imports …`: the organization's imports and syncs, what each replaced, and the two actions on
 * them: confirm an import that waits for confirmation, restore the version a run replaced.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { org: { type: "string" } },
  });
  const [action, id] = positionals;
  if (
    !values.org ||
    !action ||
    (action !== "list" && !id) ||
    !["list", "show", "confirm", "restore"].includes(action)
  ) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const { env, database, keyring } = await openRuntime();
  const owner = connect(database.urls.owner, { max: 1 });
  const app = connect(database.urls.app, { max: 4, applicationName: "canopy-cli" });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const { driver } = createJobHost({
    redisUrl: env.REDIS_URL,
    prefix: env.CANOPY_QUEUE_PREFIX,
    owner,
    app,
    keyring,
    log,
  });
  try {
    const tenantId = await tenantIdOfSlug(owner, values.org);
    if (!tenantId) return 1;
    const runs = (filter: { id?: string } = {}) =>
      withTenantClient(app, tenantId, (client) => recentSyncRuns(client, filter));
    if (action === "list") {
      for (const r of await runs()) {
        const replaced = r.details?.replaced?.reduce((n, a) => n + a.stored.rows, 0) ?? 0;
        const summary = importSummaryOfRun(r);
        out(
          [
            r.id,
            r.createdAt.toISOString().slice(0, 16).replace("T", " "),
            r.kind,
            r.details?.restoredAt ? "restored" : r.status,
            summary?.fileName ?? "",
            summary?.span ? days(summary.span.start, summary.span.end) : "",
            replaced ? `replaced ${replaced} rows` : "",
          ].join("\t"),
        );
      }
      return 0;
    }
    const [found] = await runs({ id: id! });
    if (!found?.details) {
      process.stderr.write(`canopy: no import or sync ${id} in ${values.org}\n`);
      return 1;
    }
    if (action === "show") {
      const summary = importSummaryOfRun(found);
      if (!summary) {
        process.stderr.write(`canopy: ${id} is a ${found.kind} run: show prints an import\n`);
        return 1;
      }
      printImport(summary, found.status, out);
      if (found.status === "succeeded") {
        const shown = await printImportEmissions(driver, app, tenantId, summary, out);
        if (shown === "pending") out("Its emissions are still being estimated.");
      }
      return 0;
    }
    if (driver.kind === "inline") await driver.startWorkers();
    try {
      if (action === "confirm") {
        await confirmImport({ app, driver, tenantId, syncRunId: id! });
        out(`Import ${id} confirmed: replacing the stored data.`);
      } else {
        const restored = await restoreRun({ app, driver, tenantId, syncRunId: id! });
        out(
          `Restored: ${restored.rowsRestored} previous rows count again, ${restored.rowsWithdrawn} rows of ${id} are kept as a previous version; re-estimating ${restored.windows.length} window(s).`,
        );
      }
    } catch (error) {
      if (error instanceof ImportStateError) {
        process.stderr.write(`canopy: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
    if (driver.kind === "inline") await driver.drain();
    return 0;
  } finally {
    await driver.close();
    await Promise.all([owner.close(), app.close()]);
    await database.embedded?.stop();
  }
}
