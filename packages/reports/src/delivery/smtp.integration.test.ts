import net from "node:net";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer, type SMTPServerAuthentication } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePeriod } from "../period";
import type { ReportSummary } from "../lifecycle/store";
import { EmailDeliveryError, type EmailMessage } from "./email";
import { reportDownloadUrl, reportPageUrl, reportReadyEmail } from "./report-email";
import { parseSmtpUrl, smtpEmailTransport } from "./smtp";
import { createEmailTransport } from "./transport";

/**
 * The SMTP transport against a real SMTP server on 127.0.0.1 (smtp-server, in this process): the
 * report email arrives with its sender, recipients, subject and links after AUTH with the configured
 * user and password; refusals are permanent, an unreachable server is temporary, and no log line or
 * error message ever shows the password.
 */
const USER = "reports@example.com";
const PASSWORD = "s3cret p@ss/word";
const smtpUrlFor = (port: number, password = PASSWORD, query = "") =>
  `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(password)}@127.0.0.1:${port}${query}`;

type Received = {
  authenticatedAs: string | undefined;
  envelopeFrom: string | false;
  envelopeTo: string[];
  from: string | undefined;
  to: string[];
  subject: string | undefined;
  text: string;
};

const addresses = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) =>
    a.value.map((v) => v.address ?? ""),
  );

function refusal(message: string, responseCode: number) {
  return Object.assign(new Error(message), { responseCode });
}

describe("SMTP email transport", () => {
  let server: SMTPServer;
  let port: number;
  const received: Received[] = [];
  const logs: string[] = [];
  const errors: string[] = [];
  const log = (line: string) => void logs.push(line);

  const report = {
    id: "0b7c6a52-4f0e-4d35-9a47-3f1f5a3f2f10",
    version: 2,
    status: "draft",
    period: parsePeriod("2026-02"),
  } as ReportSummary;
  const message = (to: string[]): EmailMessage =>
    reportReadyEmail({
      from: "Canopy <reports@example.com>",
      to,
      organizationName: "Demo Corp",
      report,
      publicUrl: "https://canopy.example.com/",
      scope3LocationKg: 12_345.678,
    });

  async function failure(promise: Promise<unknown>): Promise<EmailDeliveryError> {
    try {
      await promise;
    } catch (error) {
      expect(error).toBeInstanceOf(EmailDeliveryError);
      errors.push((error as Error).message);
      return error as EmailDeliveryError;
    }
    throw new Error("expected the send to fail");
  }

  beforeAll(async () => {
    server = new SMTPServer({
      // A plain-text server for the test (the STARTTLS upgrade needs a certificate the client trusts).
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      logger: false,
      onAuth(auth: SMTPServerAuthentication, _session, callback) {
        if (auth.username === USER && auth.password === PASSWORD)
          return callback(null, { user: auth.username });
        callback(refusal("5.7.8 Authentication credentials invalid", 535));
      },
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith("nobody@"))
          return callback(
            refusal(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`, 550),
          );
        if (address.address.startsWith("busy@"))
          return callback(refusal("4.2.2 Mailbox full, try again later", 452));
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push({
              authenticatedAs: session.user as string | undefined,
              envelopeFrom: session.envelope.mailFrom && session.envelope.mailFrom.address,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              from: mail.from?.text,
              to: addresses(mail.to),
              subject: mail.subject,
              text: mail.text ?? "",
            });
            callback();
          })
          .catch(callback);
      },
    });
    server.on("error", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    // Nothing any case logged or threw shows the password, raw or percent-encoded.
    for (const line of [...logs, ...errors]) {
      expect(line).not.toContain(PASSWORD);
      expect(line).not.toContain(encodeURIComponent(PASSWORD));
    }
  });
  beforeEach(() => {
    received.length = 0;
  });

  it("parses the URL: defaults, options and percent-encoded credentials", () => {
    expect(parseSmtpUrl("smtp://mail.example.com")).toMatchObject({
      host: "mail.example.com",
      port: 587,
      secure: false,
      requireTLS: false,
      user: undefined,
    });
    expect(parseSmtpUrl("smtps://u:p%40ss@mail.example.com")).toMatchObject({
      port: 465,
      secure: true,
      user: "u",
      password: "p@ss",
    });
    expect(parseSmtpUrl("smtp://mail.example.com:2525?requireTLS=true")).toMatchObject({
      port: 2525,
      requireTLS: true,
    });
    expect(() => parseSmtpUrl("smtp://u:hunter22@mail.example.com?pool=true")).toThrow(
      "CANOPY_SMTP_URL has an unknown option pool (known: requireTLS)",
    );
    expect(() => parseSmtpUrl("http://u:hunter22@mail.example.com")).toThrow(
      "CANOPY_SMTP_URL must start with smtp:// or smtps://",
    );
  });

  it("delivers the report email after AUTH with the URL's user and password", async () => {
    const transport = createEmailTransport({
      kind: "smtp",
      smtpUrl: smtpUrlFor(port),
      outboxDir: "/nonexistent",
      log,
    });
    expect(transport.kind).toBe("smtp");
    const to = ["finance@example.com", "owner@example.com"];
    const sent = message(to);
    expect(await transport.send(sent)).toEqual({ accepted: to, rejected: [] });

    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.authenticatedAs).toBe(USER);
    expect(mail.envelopeFrom).toBe("reports@example.com");
    expect(mail.envelopeTo).toEqual(to);
    expect(mail.from).toBe('"Canopy" <reports@example.com>');
    expect(mail.to).toEqual(to);
    expect(mail.subject).toBe(
      "Demo Corp: cloud emissions report for February 2026 is ready (draft v2)",
    );
    expect(mail.subject).toBe(sent.subject);
    expect(mail.text.trim()).toBe(sent.text.trim());
    expect(mail.text).toContain("12.35 t CO2e");
    const base = "https://canopy.example.com";
    expect(mail.text).toContain(`Review it: ${reportPageUrl(base, report.id)}`);
    for (const format of ["pdf", "xlsx", "csv"] as const)
      expect(mail.text).toContain(reportDownloadUrl(base, report.id, format));
    expect(mail.text).toContain(`${base}/reports/${report.id}/download?format=pdf`);

    expect(logs.at(-1)).toBe(
      `email via smtp://127.0.0.1:${port} to finance@example.com, owner@example.com: ${sent.subject}`,
    );
  });

  it("fails permanently, with the server's reason, when every recipient is refused (550)", async () => {
    const transport = smtpEmailTransport(smtpUrlFor(port), { log });
    const error = await failure(transport.send(message(["nobody@example.com"])));
    expect(error.permanent).toBe(true);
    expect(error.responseCode).toBe(550);
    expect(error.rejected).toEqual(["nobody@example.com"]);
    expect(error.message).toMatch(
      new RegExp(
        `^SMTP smtp://127\\.0\\.0\\.1:${port} refused nobody@example\\.com \\(permanent\\): .*550 5\\.1\\.1 <nobody@example\\.com>: Recipient address rejected: User unknown$`,
      ),
    );
    expect(error.message).not.toContain("\n");
    expect(received).toEqual([]);
  });

  it("delivers to the accepted recipients and reports the refused ones", async () => {
    const transport = smtpEmailTransport(smtpUrlFor(port), { log });
    expect(await transport.send(message(["nobody@example.com", "finance@example.com"]))).toEqual({
      accepted: ["finance@example.com"],
      rejected: ["nobody@example.com"],
    });
    expect(received.map((m) => m.envelopeTo)).toEqual([["finance@example.com"]]);
    expect(logs.at(-1)).toMatch(
      /: the server refused nobody@example\.com \(not retried\); sent to finance@example\.com: /,
    );
  });

  it("treats a 4xx refusal as temporary", async () => {
    const transport = smtpEmailTransport(smtpUrlFor(port), { log });
    const error = await failure(transport.send(message(["busy@example.com"])));
    expect(error.permanent).toBe(false);
    expect(error.responseCode).toBe(452);
    expect(error.message).toContain("(temporary)");
  });

  it("fails permanently on a wrong password, without showing either password", async () => {
    const wrong = "not-the-password-9";
    const transport = smtpEmailTransport(smtpUrlFor(port, wrong), { log });
    const error = await failure(transport.send(message(["finance@example.com"])));
    expect(error.permanent).toBe(true);
    expect(error.responseCode).toBe(535);
    expect(error.message).toMatch(/refused the login \(permanent\): .*535/);
    expect(error.message).not.toContain(wrong);
    expect(received).toEqual([]);
  });

  it("fails permanently when ?requireTLS=true and the server offers no STARTTLS", async () => {
    const transport = smtpEmailTransport(smtpUrlFor(port, PASSWORD, "?requireTLS=true"), { log });
    const error = await failure(transport.send(message(["finance@example.com"])));
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(
      /did not complete TLS \(permanent\): Error upgrading connection with STARTTLS/,
    );
    expect(received).toEqual([]);
  });

  it("fails temporarily (retryable) when the server is down: connection refused", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const downPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const transport = smtpEmailTransport(smtpUrlFor(downPort), { log, timeoutMs: 5_000 });
    const error = await failure(transport.send(message(["finance@example.com"])));
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(
      new RegExp(`^SMTP smtp://127\\.0\\.0\\.1:${downPort} failed \\(temporary\\): .*ECONNREFUSED`),
    );
  });
});
