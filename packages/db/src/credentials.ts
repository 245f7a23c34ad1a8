import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { isNotNull } from "drizzle-orm";
import { canopyHome, developmentSecret, type Env } from "@canopy/config";
import type { Connection } from "./client";
import type { SealedCredentials } from "./json/cloud-credentials";
import { cloudAccounts } from "./schema";

/**
 * Cloud credentials are encrypted with AES-256-GCM. Each ciphertext is stored with the id of the key
 * that made it, so keys can rotate: the current key encrypts, previous keys still decrypt until
 * `rotateCredentials` has re-encrypted everything. The associated data binds a ciphertext to its
 * row, so a ciphertext copied onto another account does not decrypt.
 */
export type EncryptionKey = { id: string; key: Buffer };
export type Keyring = { current: EncryptionKey; byId: ReadonlyMap<string, Buffer> };
export type Sealed = { keyId: string; ciphertext: string };

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CredentialDecryptionError extends Error {
  override name = "CredentialDecryptionError";
}

export function encryptionKeyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

function toKey(base64: string): EncryptionKey {
  const key = Buffer.from(base64.trim(), "base64");
  if (key.length !== 32) throw new Error("An encryption key must be 32 bytes, base64-encoded");
  return { id: encryptionKeyId(key), key };
}

export function createKeyring(
  currentBase64: string,
  previousBase64: readonly string[] = [],
): Keyring {
  const current = toKey(currentBase64);
  const byId = new Map<string, Buffer>();
  for (const { id, key } of [current, ...previousBase64.filter(Boolean).map(toKey)])
    byId.set(id, key);
  return { current, byId };
}

/**
 * The keyring from the environment. Without CANOPY_ENCRYPTION_KEY outside production, a key is
 * generated once under `homeDir` and reused; `warn` is told so, since losing it loses the credentials.
 */
export function loadKeyring(options: {
  currentKey?: string | undefined;
  previousKeys?: string | undefined;
  homeDir: string;
  production: boolean;
  warn: (message: string) => void;
}): Keyring {
  const previous = options.previousKeys?.split(",") ?? [];
  if (options.currentKey) return createKeyring(options.currentKey, previous);
  if (options.production)
    throw new Error("CANOPY_ENCRYPTION_KEY is required when NODE_ENV=production");
  const key = developmentSecret(path.join(options.homeDir, "encryption.key"), (file) =>
    options.warn(
      `CANOPY_ENCRYPTION_KEY is not set: generated a development key in ${file}. ` +
        "Set CANOPY_ENCRYPTION_KEY in production; credentials encrypted with this key need it to be read.",
    ),
  );
  return createKeyring(key, previous);
}

export function seal(keyring: Keyring, plaintext: string, associatedData: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyring.current.key, iv);
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    keyId: keyring.current.id,
    ciphertext: Buffer.concat([iv, cipher.getAuthTag(), data]).toString("base64"),
  };
}

export function open(keyring: Keyring, sealed: Sealed, associatedData: string): string {
  const key = keyring.byId.get(sealed.keyId);
  if (!key) {
    throw new CredentialDecryptionError(
      `Credentials were encrypted with key ${sealed.keyId}, which is neither CANOPY_ENCRYPTION_KEY nor in CANOPY_PREVIOUS_ENCRYPTION_KEYS`,
    );
  }
  const raw = Buffer.from(sealed.ciphertext, "base64");
  if (raw.length < IV_BYTES + TAG_BYTES)
    throw new CredentialDecryptionError("Credential ciphertext is truncated");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new CredentialDecryptionError(
      "Credential ciphertext failed authentication: it was altered, or belongs to another account",
    );
  }
}

/** The associated data of a cloud account's credentials. */
export const cloudAccountAad = (tenantId: string, cloudAccountId: string) =>
  `cloud_accounts/${tenantId}/${cloudAccountId}`;

/** The associated data of an alert webhook's signing secret (same key ring, rotated with it). */
export const webhookSecretAad = (tenantId: string, webhookId: string) =>
  `alert_webhooks/${tenantId}/${webhookId}`;

export function sealCredentials(
  keyring: Keyring,
  tenantId: string,
  cloudAccountId: string,
  credentials: SealedCredentials,
) {
  return seal(keyring, JSON.stringify(credentials), cloudAccountAad(tenantId, cloudAccountId));
}

/** The decrypted credentials, unparsed: the reader parses them with its provider's sealed schema. */
export function openCredentials(
  keyring: Keyring,
  tenantId: string,
  cloudAccountId: string,
  sealed: Sealed,
): unknown {
  return JSON.parse(open(keyring, sealed, cloudAccountAad(tenantId, cloudAccountId)));
}

/**
 * Re-encrypts every stored credential (cloud accounts, alert webhook secrets) not yet under the
 * current key. Runs across tenants, so it needs the owner connection. Each row is updated in its own
 * statement; a failure leaves others rotated and the command can simply be run again.
 */
export async function rotateCredentials(
  owner: Connection,
  keyring: Keyring,
): Promise<{ rotated: number; alreadyCurrent: number }> {
  const rows = await owner.db
    .select({
      id: cloudAccounts.id,
      tenantId: cloudAccounts.tenantId,
      keyId: cloudAccounts.credentialsKeyId,
      ciphertext: cloudAccounts.credentialsCiphertext,
    })
    .from(cloudAccounts)
    .where(isNotNull(cloudAccounts.credentialsCiphertext));
  let rotated = 0;
  let alreadyCurrent = 0;
  for (const row of rows) {
    if (row.keyId === keyring.current.id) {
      alreadyCurrent++;
      continue;
    }
    const aad = cloudAccountAad(row.tenantId, row.id);
    const plaintext = open(
      keyring,
      { keyId: row.keyId ?? "", ciphertext: row.ciphertext ?? "" },
      aad,
    );
    const sealed = seal(keyring, plaintext, aad);
    await owner.pool.query(
      "UPDATE cloud_accounts SET credentials_key_id = $1, credentials_ciphertext = $2, updated_at = now() WHERE id = $3 AND credentials_key_id = $4",
      [sealed.keyId, sealed.ciphertext, row.id, row.keyId],
    );
    rotated++;
  }
  const webhooks = await owner.pool.query<{
    id: string;
    tenant_id: string;
    secret_key_id: string;
    secret_ciphertext: string;
  }>("SELECT id, tenant_id, secret_key_id, secret_ciphertext FROM alert_webhooks");
  for (const row of webhooks.rows) {
    if (row.secret_key_id === keyring.current.id) {
      alreadyCurrent++;
      continue;
    }
    const aad = webhookSecretAad(row.tenant_id, row.id);
    const plaintext = open(
      keyring,
      { keyId: row.secret_key_id, ciphertext: row.secret_ciphertext },
      aad,
    );
    const sealed = seal(keyring, plaintext, aad);
    await owner.pool.query(
      "UPDATE alert_webhooks SET secret_key_id = $1, secret_ciphertext = $2, updated_at = now() WHERE id = $3 AND secret_key_id = $4",
      [sealed.keyId, sealed.ciphertext, row.id, row.secret_key_id],
    );
    rotated++;
  }
  return { rotated, alreadyCurrent };
}

/** The keyring the environment describes (see loadKeyring). */
export function keyringFromEnv(env: Env, warn: (message: string) => void): Keyring {
  return loadKeyring({
    currentKey: env.CANOPY_ENCRYPTION_KEY,
    previousKeys: env.CANOPY_PREVIOUS_ENCRYPTION_KEYS,
    homeDir: canopyHome(env),
    production: env.NODE_ENV === "production",
    warn,
  });
}
