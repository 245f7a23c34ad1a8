import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envSchema, parseEnv } from "./index";

describe("parseEnv", () => {
  it("applies defaults for an empty environment", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.CANOPY_SEED_DEMO).toBe(true);
  });

  it("treats an empty value as unset", () => {
    expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("names the variable and the expected format in one line", () => {
    expect(() => parseEnv({ PORT: "eighty" })).toThrow(/^PORT must be a TCP port number/);
    expect(() => parseEnv({ DATABASE_URL: "mysql://x" })).toThrow(
      "DATABASE_URL must be a postgres:// URL, e.g. postgres://user:pass@127.0.0.1:5432/canopy (got an invalid value)",
    );
    expect(() => parseEnv({ CANOPY_ENCRYPTION_KEY: "c2hvcnQ=" })).toThrow(
      /^CANOPY_ENCRYPTION_KEY must be 32 random bytes, base64-encoded/,
    );
  });

  it("requires CANOPY_SMTP_URL for the smtp transport, and a well-formed one", () => {
    expect(() => parseEnv({ CANOPY_EMAIL_TRANSPORT: "smtp" })).toThrow(
      /^CANOPY_SMTP_URL must be set when CANOPY_EMAIL_TRANSPORT=smtp: an smtp:\/\/ or smtps:\/\/ URL, e\.g\. .* \(it is not set\)$/,
    );
    expect(() => parseEnv({ CANOPY_EMAIL_TRANSPORT: "smtp", CANOPY_SMTP_URL: "" })).toThrow(
      /^CANOPY_SMTP_URL must be set when CANOPY_EMAIL_TRANSPORT=smtp/,
    );
    expect(() => parseEnv({ CANOPY_EMAIL_TRANSPORT: "sendgrid" })).toThrow(
      "CANOPY_EMAIL_TRANSPORT must be log, outbox or smtp (got an invalid value)",
    );
    for (const bad of [
      "http://user:hunter22@mail.example.com",
      "smtp://",
      "smtp://mail.example.com?secure=false",
      "smtps://mail.example.com:465?requireTLS=true",
    ]) {
      let message = "";
      try {
        parseEnv({ CANOPY_EMAIL_TRANSPORT: "smtp", CANOPY_SMTP_URL: bad });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, bad).toMatch(/^CANOPY_SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
      expect(message).not.toContain("\n");
      expect(message).not.toContain("hunter22");
    }
    const env = parseEnv({
      CANOPY_EMAIL_TRANSPORT: "smtp",
      CANOPY_SMTP_URL: "smtp://reports%40example.com:p%40ss@mail.example.com:587?requireTLS=true",
    });
    expect(env.CANOPY_EMAIL_TRANSPORT).toBe("smtp");
    expect(parseEnv({ CANOPY_SMTP_URL: "smtps://mail.example.com" }).CANOPY_EMAIL_TRANSPORT).toBe(
      "log",
    );
  });

  it("requires secrets in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(
      "DATABASE_URL is required when NODE_ENV=production",
    );
    expect(() => parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgres://a@b/c" })).toThrow(
      "CANOPY_ENCRYPTION_KEY is required when NODE_ENV=production",
    );
    const key = Buffer.alloc(32, 7).toString("base64");
    expect(
      parseEnv({
        NODE_ENV: "production",
        DATABASE_APP_URL: "postgres://app@db/canopy",
        DATABASE_AUTH_URL: "postgres://auth@db/canopy",
        CANOPY_ENCRYPTION_KEY: key,
        BETTER_AUTH_SECRET: "x".repeat(32),
      }).NODE_ENV,
    ).toBe("production");
  });

  it("documents every variable in .env.example", () => {
    const example = readFileSync(path.resolve(__dirname, "../../../.env.example"), "utf8");
    const documented = new Set(
      [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]),
    );
    expect([...Object.keys(envSchema.shape)].filter((name) => !documented.has(name))).toEqual([]);
  });
});
