import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, openCredentials, rotateCredentials, sealCredentials } from "./credentials";
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
        const secret = { clientSecret: randomUUID() };
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
});
