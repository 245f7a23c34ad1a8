"use server";
import { z } from "zod";
import {
  activateCloudAccount,
  deleteCloudAccount,
  importAccountMismatchRow,
  insertPendingCloudAccount,
  lockCloudAccount,
  markConnectionCheckFailed,
  markConnectionChecking,
  previewAccountDeletion,
  sealCredentials,
  setCloudAccountCredentials,
  setCloudAccountScope,
} from "@canopy/db";
import {
  credentialsSchema,
  providerAccountIdSchema,
  scopeListSchema,
} from "@/lib/wizard/credentials";
import { finishRefusal } from "@/lib/wizard/lifecycle";
import type { ProviderKey } from "@/lib/wizard/providers";
import { ApiError, badRequest, notFound } from "@/lib/server/api-error";
import {
  getAccount,
  getConnectionCheck,
  newExternalId,
  type ConnectionCheck,
} from "@/lib/server/accounts";
import { withTenantAction } from "@/lib/server/action";
import { writeAudit } from "@/lib/server/audit";
import { keyring, queue } from "@/lib/server/queue";
import { providers } from "@canopy/methodology/providers";

const accountId = z.uuid("Not a valid cloud account id.");

/** Wizard step 1: records the account as pending (AWS: with a freshly generated external ID). */
export const startConnection = withTenantAction(
  z.object({
    provider: z.enum(providers, { error: "Choose AWS, Azure or GCP." }),
    displayName: z
      .string()
      .trim()
      .min(1, "Give the account a name.")
      .max(120, "At most 120 characters."),
    providerAccountId: z.string().trim().min(1, "Required."),
  }),
  async (input, ctx) => {
    const idCheck = providerAccountIdSchema[input.provider as ProviderKey].safeParse(
      input.providerAccountId,
    );
    if (!idCheck.success)
      throw badRequest("Some fields are invalid.", {
        providerAccountId: [idCheck.error.issues[0]!.message],
      });
    return ctx.sql(async (client) => {
      const id = await insertPendingCloudAccount(client, {
        tenantId: ctx.principal.tenantId,
        provider: input.provider,
        displayName: input.displayName,
        providerAccountId: idCheck.data,
        externalId: input.provider === "aws" ? newExternalId() : null,
      });
      if (!id) {
        throw badRequest("This account is already connected.", {
          providerAccountId: ["This account is already in Canopy: resume it from Cloud accounts."],
        });
      }
      await writeAudit(
        client,
        ctx.principal,
        "account.create",
        { type: "cloud_account", id },
        {
          provider: input.provider,
          providerAccountId: idCheck.data,
        },
      );
      return { id };
    });
  },
  { permission: "accounts.manage" },
);

/** Seals the submitted credentials (AES-256-GCM, bound to the row) and stores only the ciphertext. */
export const saveCredentials = withTenantAction(
  z.object({ accountId, credentials: credentialsSchema }),
  async (input, ctx) =>
    ctx.sql(async (client) => {
      const account = await getAccount(client, input.accountId);
      if (account.provider !== input.credentials.provider) {
        throw badRequest("These credentials are for another provider.", {
          provider: [`This is a ${account.provider} account.`],
        });
      }
      const sealed = sealCredentials(
        keyring(),
        ctx.principal.tenantId,
        account.id,
        input.credentials,
      );
      await setCloudAccountCredentials(client, account.id, sealed);
      // Which fields were set, never their values.
      await writeAudit(
        client,
        ctx.principal,
        "credentials.set",
        { type: "cloud_account", id: account.id },
        {
          fields: Object.keys(input.credentials).filter((key) => key !== "provider"),
          keyId: sealed.keyId,
        },
      );
      return { id: account.id };
    }),
  { permission: "accounts.manage" },
);

/**
 * "Test connection": marks the account as being checked and queues the validate-connection job, which
 * decrypts the credentials and calls the provider (in the worker, or in-process without Redis). Returns
 * at once; the wizard polls `connectionTestStatus`.
 */
export const testConnection = withTenantAction(
  z.object({ accountId }),
  async (input, ctx): Promise<ConnectionCheck> => {
    const account = await ctx.sql(async (client) => {
      const found = await getAccount(client, input.accountId);
      if (!found.hasCredentials)
        throw new ApiError(409, "no_credentials", "Save credentials first.");
      await markConnectionChecking(client, found.id);
      return found;
    });
    try {
      await queue().enqueue("validate-connection", {
        tenantId: ctx.principal.tenantId,
        cloudAccountId: account.id,
      });
    } catch (error) {
      const message = "The connection test could not be queued: try again in a minute.";
      console.error(`canopy-web: validate-connection not queued: ${(error as Error).message}`);
      await ctx.sql((client) =>
        markConnectionCheckFailed(client, account.id, { message, checks: [], discovered: null }),
      );
      throw new ApiError(503, "queue_unavailable", message);
    }
    return { status: "checking", checkedAt: null, result: null };
  },
  { permission: "accounts.manage" },
);

/** What the last "Test connection" found (polled by the wizard while it says "checking"). */
export const connectionTestStatus = withTenantAction(
  z.object({ accountId }),
  async (input, ctx): Promise<ConnectionCheck> =>
    ctx.sql((client) => getConnectionCheck(client, input.accountId)),
  { permission: "accounts.manage" },
);

export const saveScope = withTenantAction(
  z.object({ accountId, scope: scopeListSchema }),
  async (input, ctx) =>
    ctx.sql(async (client) => {
      const account = await getAccount(client, input.accountId);
      await setCloudAccountScope(client, account.id, JSON.stringify(input.scope));
      await writeAudit(
        client,
        ctx.principal,
        "account.scope_change",
        { type: "cloud_account", id: account.id },
        {
          from: account.scope,
          to: input.scope,
        },
      );
      return { id: account.id, scope: input.scope };
    }),
  { permission: "accounts.manage" },
);

/**
 * Last wizard step: the account leaves "pending". Refused (409, with the reason) for an account with
 * credentials whose latest connection test did not pass: failed, still running, or never run. A
 * file-import-only account (no credentials) is activated without a test. The row is locked so a
 * concurrent "Test connection" cannot change the outcome between the check and the update.
 */
export const finishConnection = withTenantAction(
  z.object({ accountId }),
  async (input, ctx) =>
    ctx.sql(async (client) => {
      await lockCloudAccount(client, input.accountId);
      const account = await getAccount(client, input.accountId);
      const check = await getConnectionCheck(client, account.id);
      const refusal = finishRefusal(account, {
        status: check.status,
        message: check.result?.message ?? null,
      });
      if (refusal) throw new ApiError(409, refusal.code, refusal.message);
      await activateCloudAccount(client, account.id);
      await writeAudit(
        client,
        ctx.principal,
        "account.activate",
        { type: "cloud_account", id: account.id },
        {
          from: account.status,
          connectionTest: account.hasCredentials ? check.status : "not_required",
        },
      );
      return { id: account.id };
    }),
  { permission: "accounts.manage" },
);

export type ImportAccountMismatch = {
  /** The account the wizard's upload was restricted to, if it was. */
  expectedCloudAccountId: string | null;
  /** The accounts the file holds instead, when the import was refused for them. */
  otherAccounts: { provider: string; providerAccountId: string }[];
};

/**
 * The wizard's import step, after its upload failed: which accounts the file holds, when the import
 * was refused because they are not the account being set up (`details.otherAccounts`).
 */
export const importAccountMismatch = withTenantAction(
  z.object({ importId: z.uuid("Not a valid import id.") }),
  async (input, ctx): Promise<ImportAccountMismatch> =>
    ctx.sql(async (client) => {
      const row = await importAccountMismatchRow(client, input.importId);
      if (!row) throw notFound("Import");
      return {
        expectedCloudAccountId: row.expected,
        otherAccounts: row.others ?? [],
      };
    }),
  { permission: "accounts.manage" },
);

/** What deleting the account would remove: shown in the confirmation before anything goes. */
export const previewDeleteAccount = withTenantAction(
  z.object({ accountId }),
  async (input, ctx) =>
    ctx.sql(async (client) => {
      const account = await getAccount(client, input.accountId);
      return previewAccountDeletion(client, account.id);
    }),
  { permission: "accounts.manage" },
);

/**
 * Deletes an account with everything it owns (usage, previous versions, emissions, rollups, sync
 * runs, provider-reported figures), in one transaction with its audit entry, which records what
 * went.
 */
export const deleteAccount = withTenantAction(
  z.object({ accountId, confirm: z.literal("delete", { error: "Type delete to confirm." }) }),
  async (input, ctx) =>
    ctx.sql(async (client) => {
      const account = await getAccount(client, input.accountId);
      const removed = await deleteCloudAccount(client, account.id);
      if (!removed) throw notFound("Cloud account");
      await writeAudit(
        client,
        ctx.principal,
        "account.delete",
        { type: "cloud_account", id: account.id },
        {
          provider: account.provider,
          providerAccountId: account.providerAccountId,
          displayName: account.displayName,
          removed,
        },
      );
      return { id: account.id, removed };
    }),
  { permission: "accounts.manage" },
);
