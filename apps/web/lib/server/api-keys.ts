import { createHash, randomBytes } from "node:crypto";

const KEY_PATTERN = /^cnp_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/;

/** A new organization API key: shown once, stored only as its SHA-256. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = `cnp_${randomBytes(6).toString("hex").slice(0, 8)}`;
  const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

export const looksLikeApiKey = (value: string) => KEY_PATTERN.test(value);
