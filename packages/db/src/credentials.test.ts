import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  loadKeyring,
  open,
  seal,
  sealCredentials,
  openCredentials,
} from "./credentials";

const newKey = () => randomBytes(32).toString("base64");

describe("credential encryption", () => {
  const keyring = createKeyring(newKey());

  it("round-trips and never stores the plaintext", () => {
    const secret = {
      provider: "aws" as const,
      roleArn: "arn:aws:iam::123456789012:role/Canopy",
      exportBucket: "acme-cur",
    };
    const sealed = sealCredentials(keyring, "tenant-1", "account-1", secret);
    expect(sealed.keyId).toBe(keyring.current.id);
    expect(Buffer.from(sealed.ciphertext, "base64").toString("latin1")).not.toContain("arn:aws");
    expect(openCredentials(keyring, "tenant-1", "account-1", sealed)).toEqual(secret);
  });

  it("uses a fresh IV each time", () => {
    expect(seal(keyring, "same", "aad").ciphertext).not.toBe(
      seal(keyring, "same", "aad").ciphertext,
    );
  });

  it("fails loudly on a tampered ciphertext", () => {
    const sealed = seal(keyring, "client-secret", "aad");
    const raw = Buffer.from(sealed.ciphertext, "base64");
    raw[raw.length - 1]! ^= 0x01;
    expect(() => open(keyring, { ...sealed, ciphertext: raw.toString("base64") }, "aad")).toThrow(
      /failed authentication/,
    );
    expect(() => open(keyring, { ...sealed, ciphertext: "AAAA" }, "aad")).toThrow(/truncated/);
  });

  it("fails loudly on a ciphertext moved to another account", () => {
    const sealed = sealCredentials(keyring, "tenant-1", "account-1", {
      provider: "gcp",
      serviceAccountKey: "{}",
      billingExportTable: "p.d.t",
    });
    expect(() => openCredentials(keyring, "tenant-2", "account-1", sealed)).toThrow(
      /another account/,
    );
  });

  it("fails loudly with the wrong key", () => {
    const sealed = seal(keyring, "client-secret", "aad");
    const other = createKeyring(newKey());
    expect(() => open(other, sealed, "aad")).toThrow(
      /neither CANOPY_ENCRYPTION_KEY nor in CANOPY_PREVIOUS_ENCRYPTION_KEYS/,
    );
    // Same key id claimed, different key material: authentication fails.
    expect(() =>
      open(
        { current: other.current, byId: new Map([[sealed.keyId, other.current.key]]) },
        sealed,
        "aad",
      ),
    ).toThrow(/failed authentication/);
  });

  it("decrypts with a previous key after rotation of the configured key", () => {
    const oldKey = newKey();
    const sealed = seal(createKeyring(oldKey), "s", "aad");
    const rotated = createKeyring(newKey(), [oldKey]);
    expect(open(rotated, sealed, "aad")).toBe("s");
  });

  it("generates a development key once, with a warning, and refuses in production", () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "canopy-keys-"));
    const warnings: string[] = [];
    const first = loadKeyring({ homeDir: home, production: false, warn: (m) => warnings.push(m) });
    const second = loadKeyring({ homeDir: home, production: false, warn: (m) => warnings.push(m) });
    expect(first.current.id).toBe(second.current.id);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/generated a development key/);
    expect(
      Buffer.from(readFileSync(path.join(home, "encryption.key"), "utf8").trim(), "base64"),
    ).toHaveLength(32);
    expect(() => loadKeyring({ homeDir: home, production: true, warn: () => undefined })).toThrow(
      /required when NODE_ENV=production/,
    );
    rmSync(home, { recursive: true, force: true });
  });
});
