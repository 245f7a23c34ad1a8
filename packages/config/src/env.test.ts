import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envSchema, guardProcess, isLocalDatabaseUrl, parseEnv, seedDemoDecision } from "./index";

describe("parseEnv", () => {
  it("applies defaults for an empty environment", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.CANOPY_SEED_DEMO).toBeUndefined();
    expect(parseEnv({ CANOPY_SEED_DEMO: "false" }).CANOPY_SEED_DEMO).toBe(false);
    expect(() => parseEnv({ CANOPY_SEED_DEMO: "yes" })).toThrow(
      /^CANOPY_SEED_DEMO must be true or false/,
    );
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

  it("takes the WattTime login as a pair, and never echoes the password", () => {
    expect(() => parseEnv({ CANOPY_WATTTIME_USERNAME: "canopy" })).toThrow(
      /^CANOPY_WATTTIME_PASSWORD must be set together with CANOPY_WATTTIME_USERNAME \(the WattTime login\) \(it is not set\)$/,
    );
    let message = "";
    try {
      parseEnv({ CANOPY_WATTTIME_PASSWORD: "hunter22" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^CANOPY_WATTTIME_USERNAME must be set together with CANOPY_WATTTIME_PASSWORD/);
    expect(message).not.toContain("hunter22");
    const env = parseEnv({ CANOPY_WATTTIME_USERNAME: "canopy", CANOPY_WATTTIME_PASSWORD: "pw" });
    expect(env.CANOPY_WATTTIME_USERNAME).toBe("canopy");
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

  it("requires secrets in production, naming every missing one at once", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(
      "DATABASE_URL, CANOPY_ENCRYPTION_KEY, BETTER_AUTH_SECRET and CANOPY_DB_APP_PASSWORD are required when NODE_ENV=production (not set)",
    );
    const key = Buffer.alloc(32, 7).toString("base64");
    expect(() =>
      parseEnv({
        NODE_ENV: "production",
        DATABASE_URL: "postgres://a@b/c",
        CANOPY_ENCRYPTION_KEY: key,
        BETTER_AUTH_SECRET: "x".repeat(32),
      }),
    ).toThrow("CANOPY_DB_APP_PASSWORD is required when NODE_ENV=production (not set)");
    expect(() =>
      parseEnv({
        NODE_ENV: "production",
        DATABASE_URL: "postgres://a@b/c",
        CANOPY_DB_APP_PASSWORD: "long-password",
      }),
    ).toThrow("CANOPY_ENCRYPTION_KEY and BETTER_AUTH_SECRET are required when NODE_ENV=production");
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

describe("seedDemoDecision", () => {
  const local = { embedded: false, ownerUrl: "postgres://root@127.0.0.1:5432/canopy" };
  const remote = { embedded: false, ownerUrl: "postgres://canopy@db.internal:5432/canopy" };

  it("seeds a development start on the embedded or a local database only", () => {
    expect(
      seedDemoDecision({ NODE_ENV: "development" }, { embedded: true, ownerUrl: "" }).seed,
    ).toBe(true);
    expect(seedDemoDecision({ NODE_ENV: "development" }, local).seed).toBe(true);
    const decision = seedDemoDecision({ NODE_ENV: "development" }, remote);
    expect(decision).toEqual({
      seed: false,
      reason: "DATABASE_URL is not a local database (set CANOPY_SEED_DEMO=true to seed anyway)",
    });
  });

  it("never seeds production unless asked, and obeys an explicit setting", () => {
    expect(seedDemoDecision({ NODE_ENV: "production" }, local).seed).toBe(false);
    expect(seedDemoDecision({ NODE_ENV: "production", CANOPY_SEED_DEMO: true }, remote).seed).toBe(
      true,
    );
    expect(seedDemoDecision({ NODE_ENV: "development", CANOPY_SEED_DEMO: false }, local).seed).toBe(
      false,
    );
  });

  it("tells local from remote database URLs", () => {
    for (const url of [
      "postgres://root@localhost/canopy",
      "postgres://root@127.0.0.1:5433/canopy",
      "postgres://root@[::1]:5432/canopy",
      "postgres:///canopy?host=/var/run/postgresql",
    ])
      expect(isLocalDatabaseUrl(url), url).toBe(true);
    for (const url of [
      "postgres://root@db.example.com/canopy",
      "postgres://root@10.0.0.5/canopy",
      "postgres:///canopy?host=db.example.com",
      "not a url",
    ])
      expect(isLocalDatabaseUrl(url), url).toBe(false);
  });
});

describe("guardProcess", () => {
  it("logs and counts an unhandled rejection instead of ending the process", async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    // vitest's own handler would fail the run; only ours may see this one.
    const others = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const release = guardProcess({
      name: "test",
      log: (line) => lines.push(line),
      onError: (error, kind) => errors.push(`${kind}: ${error.message}`),
    });
    try {
      void Promise.reject(new Error("Connection terminated unexpectedly"));
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      release();
      for (const listener of others) process.on("unhandledRejection", listener);
    }
    expect(errors).toEqual(["unhandledRejection: Connection terminated unexpectedly"]);
    expect(lines).toEqual([
      "test: unhandled rejection (kept running): Connection terminated unexpectedly",
    ]);
    expect(process.listeners("unhandledRejection")).toEqual(others);
  });
});
