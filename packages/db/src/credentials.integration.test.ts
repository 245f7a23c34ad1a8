import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKeyring,
  open,
  openCredentials,
  rotateCredentials,
  seal,
  sealCredentials,
  webhookSecretAad,
} from "./credentials";
import { createTestDatabase, type TestDatabase } from "./testing";

describe("rotateCredentials", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it("re-encrypts every credential, across tenants, under the new key", async () => {
    const oldKey = randomBytes(32).toString("base64");
    const oldRing = createKeyring(oldKey);
    const accounts: { tenantId: string; id: string; secret: object }[] = [];
    for (let t = 0; t < 2; t++) {
      const tenantId = randomUUID();
      await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $2)", [
        tenantId,
        `org-${tenantId}`,
      ]);
      for (let i = 0; i < 3; i++) {
        const id = randomUUID();
        const secret = {
          provider: "azure" as const,
          directoryTenantId: randomUUID(),
          clientId: randomUUID(),
          clientSecret: randomUUID(),
        };
        const sealed = sealCredentials(oldRing, tenantId, id, secret);
        await database.owner.pool.query(
          `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id, credentials_key_id, credentials_ciphertext)
           VALUES ($1, $2, 'azure', 'Sub', $5, $3, $4)`,
          [id, tenantId, sealed.keyId, sealed.ciphertext, `sub-${id}`],
        );
        accounts.push({ tenantId, id, secret });
      }
    }

    const newRing = createKeyring(randomBytes(32).toString("base64"), [oldKey]);
    expect(await rotateCredentials(database.owner, newRing)).toEqual({
      rotated: 6,
      alreadyCurrent: 0,
    });
    expect(await rotateCredentials(database.owner, newRing)).toEqual({
      rotated: 0,
      alreadyCurrent: 6,
    });

    const onlyNewKey = createKeyring(Buffer.from(newRing.current.key).toString("base64"));
    for (const account of accounts) {
      const { rows } = await database.owner.pool.query(
        'SELECT credentials_key_id AS "keyId", credentials_ciphertext AS ciphertext FROM cloud_accounts WHERE id = $1',
        [account.id],
      );
      expect(rows[0].keyId).toBe(newRing.current.id);
      expect(openCredentials(onlyNewKey, account.tenantId, account.id, rows[0])).toEqual(
        account.secret,
      );
    }
  });

  it("re-encrypts alert webhook secrets too", async () => {
    // The previous case's accounts are under a key this ring does not hold.
    await database.owner.pool.query("DELETE FROM cloud_accounts");
    const oldKey = randomBytes(32).toString("base64");
    const oldRing = createKeyring(oldKey);
    const tenantId = randomUUID();
    const id = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $2)", [
      tenantId,
      `org-${tenantId}`,
    ]);
    const sealed = seal(oldRing, "whsec_rotate_me", webhookSecretAad(tenantId, id));
    await database.owner.pool.query(
      `INSERT INTO alert_webhooks (id, tenant_id, name, url, secret_ciphertext, secret_key_id)
       VALUES ($1, $2, 'Hook', 'https://hooks.example.com/x', $3, $4)`,
      [id, tenantId, sealed.ciphertext, sealed.keyId],
    );
    const newRing = createKeyring(randomBytes(32).toString("base64"), [oldKey]);
    expect(await rotateCredentials(database.owner, newRing)).toEqual({
      rotated: 1,
      alreadyCurrent: 0,
    });
    const onlyNewKey = createKeyring(Buffer.from(newRing.current.key).toString("base64"));
    const { rows } = await database.owner.pool.query(
      'SELECT secret_key_id AS "keyId", secret_ciphertext AS ciphertext FROM alert_webhooks WHERE id = $1',
      [id],
    );
    expect(rows[0].keyId).toBe(newRing.current.id);
    expect(open(onlyNewKey, rows[0], webhookSecretAad(tenantId, id))).toBe("whsec_rotate_me");
  });
});
