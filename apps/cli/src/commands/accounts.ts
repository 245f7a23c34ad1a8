import { parseArgs } from "node:util";
import {
  connect,
  defaultSourcePrecedence,
  listCloudAccountsByProviderId,
  setSourcePrecedence,
  sourceKinds,
  withTenantClient,
  writeAuditEntry,
} from "@canopy/db";
import { openRuntime, tenantIdOfSlug } from "../runtime";

const usage = `Usage: canopy accounts list --org <slug>
       canopy accounts precedence <account> --org <slug> [--set kind,kind,… | --default]
  <account> is the Canopy account id or the provider's id (AWS account, Azure subscription, GCP project).
  Source kinds: ${Object.keys(sourceKinds).join(", ")}`;

const defaultOrder = defaultSourcePrecedence.map((kinds) => kinds.join(" = ")).join(" > ");

/**
 * `canopy accounts …`: the organization's cloud accounts with their payer / billing account, and the
 * per-account order of sources (which import or sync counts when several cover the same day).
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: "string" },
      set: { type: "string" },
      default: { type: "boolean", default: false },
    },
  });
  const [action, ref] = positionals;
  const valid =
    values.org &&
    (action === "list" || (action === "precedence" && ref && !(values.set && values.default)));
  if (!valid) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const { database } = await openRuntime();
  const owner = connect(database.urls.owner, { max: 1 });
  const app = connect(database.urls.app, { max: 2, applicationName: "canopy-cli" });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const tenantId = await tenantIdOfSlug(owner, values.org!);
    if (!tenantId) return 1;
    return await withTenantClient(app, tenantId, async (client) => {
      const accounts = await listCloudAccountsByProviderId(client);
      if (action === "list") {
        for (const a of accounts)
          out(
            [
              a.id,
              a.provider,
              a.providerAccountId,
              a.parentAccountId ?? "-",
              a.status,
              a.displayName,
            ].join("\t"),
          );
        return 0;
      }
      const account = accounts.find(
        (a) => a.id === ref || a.providerAccountId === ref?.toLowerCase(),
      );
      if (!account) {
        process.stderr.write(`canopy: no account ${ref} in ${values.org}\n`);
        return 1;
      }
      if (values.set || values.default) {
        const kinds = values.default ? null : values.set!.split(",").map((k) => k.trim());
        try {
          await setSourcePrecedence(client, account.id, kinds);
        } catch (error) {
          process.stderr.write(`canopy: ${(error as Error).message}\n`);
          return 2;
        }
        await writeAuditEntry(client, {
          tenantId,
          actorUserId: null,
          actorLabel: "cli",
          action: "account.source_precedence",
          target: { type: "cloud_account", id: account.id },
          details: { sourcePrecedence: kinds },
        });
        account.precedence = kinds;
      }
      out(
        `${account.provider} ${account.providerAccountId}: ${account.precedence ? account.precedence.join(" > ") : `default order (${defaultOrder})`}`,
      );
      return 0;
    });
  } finally {
    await Promise.all([owner.close(), app.close()]);
    await database.embedded?.stop();
  }
}
