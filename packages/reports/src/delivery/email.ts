import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export type EmailMessage = { from: string; to: string[]; subject: string; text: string };

/** What a transport that talks to a server knows after sending: who the server took and who it refused. */
export type EmailSendResult = { accepted: string[]; rejected: string[] };

/**
 * Sends an email. Canopy has no mail server of its own: pick a transport with CANOPY_EMAIL_TRANSPORT.
 * `send` resolves once the message is handed over (with the accepted and refused recipients when the
 * transport knows them) and rejects with an EmailDeliveryError when it was not.
 */
export type EmailTransport = {
  readonly kind: string;
  send(message: EmailMessage): Promise<EmailSendResult | void>;
};

/**
 * A message that did not leave. `permanent`: the server refused it for good (5xx: unknown recipient,
 * bad credentials, TLS refused), so sending again cannot help; otherwise (4xx, connection refused or
 * lost, timeout) a later attempt may succeed. The message is one line and never contains credentials.
 */
export class EmailDeliveryError extends Error {
  override name = "EmailDeliveryError";
  readonly permanent: boolean;
  /** The SMTP reply code, when the server gave one. */
  readonly responseCode: number | undefined;
  /** The recipients the server refused. */
  readonly rejected: string[];
  constructor(
    message: string,
    details: { permanent: boolean; responseCode?: number; rejected?: string[] },
  ) {
    super(message);
    this.permanent = details.permanent;
    this.responseCode = details.responseCode;
    this.rejected = details.rejected ?? [];
  }
}

/** Default: writes the message to the log (nothing leaves the machine). */
export function logEmailTransport(log: (line: string) => void): EmailTransport {
  return {
    kind: "log",
    async send(message) {
      log(`email (log transport) to ${message.to.join(", ")}: ${message.subject}\n${message.text}`);
    },
  };
}

/** Writes each message as an .eml file into `dir` (CANOPY_HOME/outbox), for a mail relay or a person to pick up. */
export function outboxEmailTransport(dir: string): EmailTransport {
  return {
    kind: "outbox",
    async send(message) {
      await mkdir(dir, { recursive: true });
      const date = new Date();
      const name = `${date.toISOString().replace(/[:.]/g, "-")}-${Math.random().toString(36).slice(2, 8)}.eml`;
      const eml = [
        `From: ${message.from}`,
        `To: ${message.to.join(", ")}`,
        `Subject: ${message.subject}`,
        `Date: ${date.toUTCString()}`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        message.text,
        "",
      ].join("\r\n");
      await writeFile(path.join(dir, name), eml, "utf8");
    },
  };
}
