import nodemailer from "nodemailer";
import { EmailDeliveryError, type EmailTransport } from "./email";

/** What CANOPY_SMTP_URL describes. `password` is kept out of every message and log line. */
export type SmtpSettings = {
  host: string;
  port: number;
  /** smtps://: TLS from the first byte (usually port 465). */
  secure: boolean;
  /** smtp:// with ?requireTLS=true: refuse to send unless the server upgrades with STARTTLS. */
  requireTLS: boolean;
  user?: string;
  password?: string;
};

const OPTIONS = new Set(["requireTLS"]);

/**
 * Parses `smtp://[user:pass@]host[:port][?requireTLS=true]` or `smtps://[user:pass@]host[:port]`.
 * Defaults: port 587 for smtp:// (STARTTLS whenever the server offers it), 465 for smtps://.
 * User and password are percent-decoded (write `@` in a password as `%40`). The error never quotes
 * the URL, so it cannot leak the password.
 */
export function parseSmtpUrl(value: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error("CANOPY_SMTP_URL is not a URL");
  }
  const secure = url.protocol === "smtps:";
  if (!secure && url.protocol !== "smtp:")
    throw new Error("CANOPY_SMTP_URL must start with smtp:// or smtps://");
  if (!url.hostname) throw new Error("CANOPY_SMTP_URL has no host");
  for (const key of url.searchParams.keys())
    if (!OPTIONS.has(key))
      throw new Error(`CANOPY_SMTP_URL has an unknown option ${key} (known: requireTLS)`);
  const requireTLSValue = url.searchParams.get("requireTLS");
  if (requireTLSValue !== null && requireTLSValue !== "true" && requireTLSValue !== "false")
    throw new Error("CANOPY_SMTP_URL option requireTLS must be true or false");
  const requireTLS = requireTLSValue === "true";
  if (secure && requireTLS)
    throw new Error(
      "CANOPY_SMTP_URL: requireTLS is for smtp:// (STARTTLS); smtps:// is always encrypted",
    );
  const decode = (part: string) => (part ? decodeURIComponent(part) : undefined);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS,
    user: decode(url.username),
    password: decode(url.password),
  };
}

/** The server as it may be shown in logs: scheme, host and port, never the credentials. */
export function smtpServerLabel(settings: SmtpSettings): string {
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  return `${settings.secure ? "smtps" : "smtp"}://${host}:${settings.port}`;
}

type NodemailerError = Error & {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
};

/** Codes that retrying will not fix: bad credentials, TLS refused, a message the server will never take. */
const PERMANENT_CODES = new Set(["EAUTH", "ETLS", "EENVELOPE", "EMESSAGE", "EREQUIRETLS"]);

/**
 * Sends through an SMTP server (CANOPY_EMAIL_TRANSPORT=smtp, CANOPY_SMTP_URL), one connection per
 * message. Failures are EmailDeliveryErrors: temporary (4xx replies, connection refused or lost,
 * timeouts) or permanent (5xx replies such as a refused recipient or bad credentials, TLS failures).
 * When only some recipients are refused the others still get the message and the refusals are returned
 * and logged. Only the host is ever logged; the password is scrubbed from every message as well.
 */
export function smtpEmailTransport(
  smtpUrl: string,
  options: {
    log: (line: string) => void;
    /** Milliseconds to wait for the connection, the greeting and each reply (default 30 s). */
    timeoutMs?: number;
  },
): EmailTransport {
  const settings = parseSmtpUrl(smtpUrl);
  const server = smtpServerLabel(settings);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTLS,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? "" } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: 2 * timeoutMs,
    logger: false,
    debug: false,
  });
  const secrets = [settings.password, smtpUrl].filter((s): s is string => !!s && s.length >= 3);
  const scrub = (text: string) =>
    secrets.reduce(
      (out, secret) => out.split(secret).join("***"),
      text.replace(/\s+/g, " ").trim(),
    );

  return {
    kind: "smtp",
    async send(message) {
      let info;
      try {
        info = await transporter.sendMail({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
        });
      } catch (error) {
        throw deliveryError(error as NodemailerError, server, message.to, scrub);
      }
      const accepted = info.accepted.map(String);
      const rejected = info.rejected.map(String);
      if (rejected.length)
        options.log(
          `email via ${server}: the server refused ${rejected.join(", ")} (not retried); sent to ${accepted.join(", ")}: ${message.subject}`,
        );
      else options.log(`email via ${server} to ${accepted.join(", ")}: ${message.subject}`);
      return { accepted, rejected };
    },
  };
}

function deliveryError(
  error: NodemailerError,
  server: string,
  recipients: string[],
  scrub: (text: string) => string,
): EmailDeliveryError {
  const code = error.responseCode;
  const permanent = code ? code >= 500 : PERMANENT_CODES.has(error.code ?? "");
  const what =
    error.code === "EENVELOPE" && error.rejected?.length
      ? `refused ${error.rejected.join(", ")}`
      : error.code === "EAUTH"
        ? "refused the login"
        : error.code === "ETLS"
          ? "did not complete TLS"
          : "failed";
  return new EmailDeliveryError(
    `SMTP ${server} ${what} (${permanent ? "permanent" : "temporary"}): ${scrub(error.message)}`,
    {
      permanent,
      responseCode: code,
      rejected: error.code === "EENVELOPE" ? (error.rejected ?? recipients).map(String) : [],
    },
  );
}
