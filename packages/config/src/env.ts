import { z } from "zod";

const postgresUrl = z
  .string()
  .regex(
    /^postgres(ql)?:\/\/.+/,
    "a postgres:// URL, e.g. postgres://user:pass@127.0.0.1:5432/canopy",
  );
const redisUrl = z.string().regex(/^rediss?:\/\/.+/, "a redis:// URL, e.g. redis://127.0.0.1:6379");
const port = z.coerce
  .number({ error: "a TCP port number (1-65535)" })
  .int("a TCP port number (1-65535)")
  .min(1, "a TCP port number (1-65535)")
  .max(65535, "a TCP port number (1-65535)");
const base64Key32 = z
  .string()
  .refine(
    (value) => Buffer.from(value, "base64").length === 32,
    "32 random bytes, base64-encoded (generate one with: openssl rand -base64 32)",
  );

const SMTP_URL_FORMAT =
  "an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587 (optional ?requireTLS=true) or smtps://user:pass@mail.example.com:465";
/** smtp(s)://[user:pass@]host[:port][?requireTLS=true]; the transport (@canopy/reports) reads the same. */
const smtpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    const requireTLS = url.searchParams.get("requireTLS");
    return (
      (url.protocol === "smtp:" || url.protocol === "smtps:") &&
      url.hostname !== "" &&
      [...url.searchParams.keys()].every((key) => key === "requireTLS") &&
      (requireTLS === null ||
        requireTLS === "false" ||
        (requireTLS === "true" && url.protocol === "smtp:"))
    );
  } catch {
    return false;
  }
}, SMTP_URL_FORMAT);

/** Unset and empty are the same thing: a variable left blank in `.env` means "use the default". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/**
 * Every environment variable Canopy reads. `.env.example` documents each one; keep the two in step
 * (a test compares them).
 */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    DATABASE_URL: optional(postgresUrl),
    DATABASE_APP_URL: optional(postgresUrl),
    DATABASE_AUTH_URL: optional(postgresUrl),
    /**
     * The app role's URL on a read replica: the dashboard's emission reads go there. Unset: the
     * primary (DATABASE_APP_URL).
     */
    DATABASE_READ_URL: optional(postgresUrl),
    CANOPY_DB_ROLE_PREFIX: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,40}$/, "lower-case letters, digits and _ (e.g. canopy)")
      .default("canopy"),
    CANOPY_DB_APP_PASSWORD: optional(z.string().min(8, "at least 8 characters")),
    REDIS_URL: optional(redisUrl),
    PORT: port.default(3000),
    CANOPY_WORKER_PORT: port.default(3001),
    CANOPY_EMBEDDED_PG_PORT: port.default(54329),
    CANOPY_HOME: z.string().min(1, "a directory path").default(".canopy"),
    CANOPY_ENCRYPTION_KEY: optional(base64Key32),
    CANOPY_PREVIOUS_ENCRYPTION_KEYS: optional(
      z
        .string()
        .refine(
          (value) =>
            value.split(",").every((key) => Buffer.from(key.trim(), "base64").length === 32),
          "comma-separated base64 keys of 32 bytes each",
        ),
    ),
    BETTER_AUTH_SECRET: optional(z.string().min(32, "at least 32 characters of random text")),
    CANOPY_PUBLIC_URL: optional(
      z.url({ error: "an http(s) URL, e.g. https://canopy.example.com" }),
    ),
    /**
     * Instance administrators (comma-separated emails): the only people who may change data shared
     * by every organization of the instance, such as the grid-intensity store, from the web app.
     * Unset: nobody can from the web app (use `pnpm canopy grid import`).
     */
    CANOPY_INSTANCE_ADMINS: z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((email) => email.trim().toLowerCase())
          .filter((email) => email !== ""),
      )
      .refine((emails) => emails.every((email) => /^[^@\s]+@[^@\s]+$/.test(email)), {
        message: "comma-separated email addresses",
      }),
    /**
     * Who may create an account: "open" (anyone who reaches the instance) or "invitation" (only an
     * email with a pending, unexpired invitation, plus the first user of an instance that has none).
     */
    CANOPY_SIGN_UP: z.enum(["open", "invitation"], { error: "open or invitation" }).default("open"),
    /**
     * With CANOPY_SIGN_UP=invitation, email domains whose addresses may also sign up without an
     * invitation ("example.com,example.org"; exact domains, case-insensitive).
     */
    CANOPY_SIGN_UP_DOMAINS: z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((domain) => domain.trim().toLowerCase())
          .filter((domain) => domain !== ""),
      )
      .refine((domains) => domains.every((d) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d)), {
        message: "comma-separated email domains, e.g. example.com,example.org",
      }),
    /**
     * OpenID Connect single sign-on (one identity provider for the instance: Okta, Entra ID, Google
     * Workspace, Keycloak…): the issuer (its discovery document is <issuer>/.well-known/openid-configuration),
     * and the client registered there with redirect URI <public URL>/api/auth/callback/oidc.
     * All three or none. New users still pass CANOPY_SIGN_UP.
     */
    CANOPY_OIDC_ISSUER: optional(
      z.url({ protocol: /^https?$/, error: "the identity provider's issuer URL" }),
    ),
    CANOPY_OIDC_CLIENT_ID: optional(z.string().min(1)),
    CANOPY_OIDC_CLIENT_SECRET: optional(z.string().min(1)),
    /** The sign-in button's label: "Sign in with <name>". */
    CANOPY_OIDC_NAME: z.string().min(1).default("single sign-on"),
    /**
     * Seed the demo organization (a known sign-in) on `pnpm start`. Unset: only in development against
     * the embedded or a local PostgreSQL (seedDemoDecision); "true" seeds anywhere, "false" never.
     */
    CANOPY_SEED_DEMO: optional(
      z.enum(["true", "false"], { error: "true or false" }).transform((value) => value === "true"),
    ),
    /** Prefix of every BullMQ key; the braces keep all keys in one Redis Cluster slot. */
    CANOPY_QUEUE_PREFIX: z
      .string()
      .regex(/^\{[A-Za-z0-9_-]{1,40}\}$/, "a name in braces, e.g. {canopy}")
      .default("{canopy}"),
    /** How long a worker holds a job before another worker may take it over (a crashed worker's job). */
    CANOPY_JOB_LOCK_MS: z.coerce
      .number({ error: "a number of milliseconds, e.g. 30000" })
      .int("a whole number of milliseconds")
      .min(1000, "at least 1000 milliseconds")
      .default(30_000),
    /**
     * An import or sync still "running" with no progress for this long is marked failed by the worker's
     * watchdog (its worker died). Running jobs report progress at least once a minute.
     */
    CANOPY_RUN_STALL_TIMEOUT_MS: z.coerce
      .number({ error: "a number of milliseconds, e.g. 900000" })
      .int("a whole number of milliseconds")
      .min(10_000, "at least 10000 milliseconds")
      .default(15 * 60_000),
    /**
     * AWS account that Canopy's own role lives in: customers' IAM roles trust it (onboarding wizard).
     * The default is a documented placeholder, not a real account.
     */
    CANOPY_AWS_ACCOUNT_ID: z
      .string()
      .regex(/^\d{12}$/, "a 12-digit AWS account id, e.g. 123456789012")
      .default("000000000000"),
    /**
     * GCP workload identity federation: the file holding Canopy's own OIDC token (the subject token
     * exchanged at Google's STS for customers who connect with a credential configuration instead of
     * a key), e.g. a Kubernetes projected service-account token. Read on every exchange; the platform
     * keeps it fresh. Unset: federation-configured GCP accounts cannot sync.
     */
    CANOPY_GCP_SUBJECT_TOKEN_FILE: optional(z.string().min(1, "a file path")),
    /** The issuer URL, `sub` and `aud` of that token, shown in the wizard's workload identity steps. */
    CANOPY_GCP_WIF_ISSUER: optional(z.url("an https issuer URL")),
    CANOPY_GCP_WIF_SUBJECT: optional(z.string().min(1)),
    CANOPY_GCP_WIF_AUDIENCE: optional(z.string().min(1)),
    /**
     * The AWS SDKs' standard endpoint override (tests and local stacks point it at a fake). The SDK
     * clients read it themselves; Canopy reads it only for the Sustainability API, which it calls
     * without an SDK client. Unset: each service's AWS endpoint.
     */
    AWS_ENDPOINT_URL: z.url("a URL, e.g. http://127.0.0.1:4566").optional(),
    /**
     * Memory a web process gives to cached emission reads, in MiB (default 64): responses of the
     * dashboard's emissions API kept per organization until its data changes. 0: no cache.
     */
    CANOPY_READ_CACHE_MB: z.coerce
      .number({ error: "a number of MiB, e.g. 64 (0: no cache)" })
      .min(0, "a number of MiB, 0 or more (0: no cache)")
      .default(64),
    /** Largest billing file an import accepts, in bytes (default 10 GiB). */
    CANOPY_IMPORT_MAX_BYTES: z.coerce
      .number({ error: "a number of bytes, e.g. 10737418240" })
      .int("a whole number of bytes")
      .positive("a positive number of bytes")
      .default(10 * 1024 ** 3),
    /**
     * Most lines one import reads (default 100 million): a file with more is refused at the first line
     * over, naming the limit, and nothing of it is stored. 0: no limit.
     */
    CANOPY_IMPORT_MAX_LINES: z.coerce
      .number({ error: "a number of lines, e.g. 100000000 (0: no limit)" })
      .int("a whole number of lines (0: no limit)")
      .min(0, "a whole number of lines (0: no limit)")
      .default(100_000_000),
    /**
     * Bytes of uploaded billing files an organization may keep stored at once (default 50 GiB): the
     * files of its imports not yet deleted by the retention (CANOPY_IMPORT_FILE_RETENTION_DAYS) plus the
     * new upload. 0: no quota.
     */
    CANOPY_IMPORT_QUOTA_BYTES: z.coerce
      .number({ error: "a number of bytes, e.g. 53687091200 (0: no quota)" })
      .int("a whole number of bytes (0: no quota)")
      .min(0, "a whole number of bytes (0: no quota)")
      .default(50 * 1024 ** 3),
    /**
     * Days an uploaded billing file is kept after its import finished (succeeded, failed or declined;
     * default 90); the worker's daily clean-up then deletes the file, never the usage it imported.
     * 0 keeps every file.
     */
    CANOPY_IMPORT_FILE_RETENTION_DAYS: z.coerce
      .number({ error: "a whole number of days (0 keeps every file)" })
      .int("a whole number of days (0 keeps every file)")
      .min(0, "a whole number of days (0 keeps every file)")
      .default(90),
    /**
     * Which reverse proxies may tell the web app the client's address (X-Forwarded-For), for sign-in
     * throttling: a number of proxy hops in front of the app (e.g. 1), or comma-separated IPs/CIDRs of the
     * proxies. Unset: trust none and use the socket's peer address.
     */
    CANOPY_TRUSTED_PROXIES: optional(
      z
        .string()
        .regex(
          /^(\d{1,2}|[0-9a-fA-F:.]+(\/\d{1,3})?(\s*,\s*[0-9a-fA-F:.]+(\/\d{1,3})?)*)$/,
          "a number of proxy hops (e.g. 1) or comma-separated IPs/CIDRs (e.g. 10.0.0.0/8,192.168.1.5)",
        ),
    ),
    /**
     * Further origins (besides CANOPY_PUBLIC_URL's) from which cookie-authenticated requests may change
     * data, comma-separated, e.g. https://canopy.example.com,https://admin.example.com.
     */
    CANOPY_ALLOWED_ORIGINS: optional(
      z
        .string()
        .regex(
          /^https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*$/,
          "comma-separated origins, e.g. https://canopy.example.com,https://admin.example.com",
        ),
    ),
    /**
     * Earliest date a billing line may carry (default 2006-01-01): lines dated before it are row errors,
     * never stored (a line dated 1900 would otherwise make a partition for every month since).
     */
    CANOPY_USAGE_EARLIEST: z.iso.date("a date, e.g. 2006-01-01").default("2006-01-01"),
    /** Days after now a billing line may be dated (default 40); later lines are row errors. */
    CANOPY_USAGE_LATEST_DAYS: z.coerce
      .number({ error: "a whole number of days, e.g. 40" })
      .int("a whole number of days, e.g. 40")
      .min(0, "a whole number of days, e.g. 40")
      .max(366, "at most 366 days")
      .default(40),
    /**
     * Days a previous version of usage (what an import or sync replaced) is kept, so it can be restored;
     * 0 keeps every version.
     */
    CANOPY_SUPERSEDED_RETENTION_DAYS: z.coerce
      .number({ error: "a whole number of days (0 keeps every version)" })
      .int("a whole number of days (0 keeps every version)")
      .min(0, "a whole number of days (0 keeps every version)")
      .default(400),
    /** Day of the month (1-28, UTC) on which the previous month's report is generated and announced. */
    CANOPY_REPORT_DAY_OF_MONTH: z.coerce
      .number({ error: "a day of the month from 1 to 28" })
      .int("a day of the month from 1 to 28")
      .min(1, "a day of the month from 1 to 28")
      .max(28, "a day of the month from 1 to 28")
      .default(5),
    /**
     * How emails (report-ready notices) leave: written to the log, as .eml files under CANOPY_HOME/outbox,
     * or through the SMTP server at CANOPY_SMTP_URL.
     */
    CANOPY_EMAIL_TRANSPORT: z
      .enum(["log", "outbox", "smtp"], { error: "log, outbox or smtp" })
      .default("log"),
    /** SMTP server for CANOPY_EMAIL_TRANSPORT=smtp, credentials in the URL (never logged). */
    CANOPY_SMTP_URL: optional(smtpUrl),
    CANOPY_EMAIL_FROM: z
      .string()
      .min(3, "a sender, e.g. Canopy <reports@example.com>")
      .default("Canopy <reports@canopy.local>"),
    /**
     * Hourly grid intensity sources the worker syncs (job sync-grid-intensity): each keyed source only
     * when its key is set. The GB NESO Carbon Intensity API needs no key; CANOPY_GRID_NESO=false turns
     * it off.
     */
    CANOPY_ELECTRICITYMAPS_API_KEY: optional(z.string().min(1)),
    CANOPY_EIA_API_KEY: optional(z.string().min(1)),
    CANOPY_ENTSOE_TOKEN: optional(z.string().min(1)),
    /**
     * WattTime API login: marginal emission rates for time-shifting advice only (never the inventory).
     * Both or neither.
     */
    CANOPY_WATTTIME_USERNAME: optional(z.string().min(1)),
    CANOPY_WATTTIME_PASSWORD: optional(z.string().min(1)),
    CANOPY_GRID_NESO: z
      .enum(["true", "false"], { error: "true or false" })
      .default("true")
      .transform((value) => value === "true"),
    /** Set by CI systems; tests then require the real PostgreSQL and Redis instead of falling back. */
    CI: optional(z.string()),
    /** Server the test suites create their throwaway databases on (owner/superuser, trust auth). */
    CANOPY_TEST_DATABASE_URL: postgresUrl.default("postgres://postgres@127.0.0.1:5432/postgres"),
    CANOPY_TEST_REDIS_URL: redisUrl.default("redis://127.0.0.1:6379"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
  })
  .superRefine((env, ctx) => {
    // One variable depends on another: the transport named smtp needs its server.
    if (env.CANOPY_EMAIL_TRANSPORT === "smtp" && !env.CANOPY_SMTP_URL)
      ctx.addIssue({
        code: "custom",
        path: ["CANOPY_SMTP_URL"],
        message: `set when CANOPY_EMAIL_TRANSPORT=smtp: ${SMTP_URL_FORMAT}`,
      });
    const oidc = [
      "CANOPY_OIDC_ISSUER",
      "CANOPY_OIDC_CLIENT_ID",
      "CANOPY_OIDC_CLIENT_SECRET",
    ] as const;
    const oidcSet = oidc.filter((name) => env[name]);
    if (oidcSet.length > 0 && oidcSet.length < oidc.length)
      for (const name of oidc.filter((n) => !env[n]))
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `set together with ${oidcSet.join(" and ")} (OpenID Connect single sign-on needs the issuer, client id and client secret)`,
        });
    if (Boolean(env.CANOPY_WATTTIME_USERNAME) !== Boolean(env.CANOPY_WATTTIME_PASSWORD))
      ctx.addIssue({
        code: "custom",
        path: [
          env.CANOPY_WATTTIME_USERNAME ? "CANOPY_WATTTIME_PASSWORD" : "CANOPY_WATTTIME_USERNAME",
        ],
        message: `set together with ${env.CANOPY_WATTTIME_USERNAME ? "CANOPY_WATTTIME_USERNAME" : "CANOPY_WATTTIME_PASSWORD"} (the WattTime login)`,
      });
  });

export type Env = z.infer<typeof envSchema>;
