import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * A development secret kept in `file`: generated (32 random bytes, base64) on first use and reused
 * afterwards. `onCreate` is told when a new one is made. Never used when NODE_ENV=production.
 */
export function developmentSecret(file: string, onCreate?: (file: string) => void): string {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600 });
    onCreate?.(file);
  }
  return readFileSync(file, "utf8").trim();
}
