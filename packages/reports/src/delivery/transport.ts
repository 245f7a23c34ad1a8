import { logEmailTransport, outboxEmailTransport, type EmailTransport } from "./email";
import { smtpEmailTransport } from "./smtp";

/** The transport named by configuration (CANOPY_EMAIL_TRANSPORT; CANOPY_SMTP_URL for smtp). */
export function createEmailTransport(options: {
  kind: "log" | "outbox" | "smtp";
  outboxDir: string;
  smtpUrl?: string;
  log: (line: string) => void;
}): EmailTransport {
  switch (options.kind) {
    case "outbox":
      return outboxEmailTransport(options.outboxDir);
    case "smtp":
      if (!options.smtpUrl) throw new Error("CANOPY_EMAIL_TRANSPORT=smtp needs CANOPY_SMTP_URL");
      return smtpEmailTransport(options.smtpUrl, { log: options.log });
    default:
      return logEmailTransport(options.log);
  }
}
