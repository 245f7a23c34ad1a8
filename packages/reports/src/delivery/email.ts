import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export type EmailMessage = { from: string; to: string[]; subject: string; text: string };

/** Sends an email. Canopy has no mail server of its own: pick a transport with CANOPY_EMAIL_TRANSPORT. */
export type EmailTransport = { readonly kind: string; send(message: EmailMessage): Promise<void> };

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

/** The transport named by configuration. */
export function createEmailTransport(options: {
  kind: "log" | "outbox";
  outboxDir: string;
  log: (line: string) => void;
}): EmailTransport {
  return options.kind === "outbox"
    ? outboxEmailTransport(options.outboxDir)
    : logEmailTransport(options.log);
}
