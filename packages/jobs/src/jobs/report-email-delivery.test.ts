import net from "node:net";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import type { Connection, Keyring } from "@canopy/db";
import {
  createEmailTransport,
  EmailDeliveryError,
  type EmailMessage,
  type EmailTransport,
} from "@canopy/reports";
import { defineJob } from "../contract";
import { createInlineDriver } from "../drivers/inline";
import { PermanentJobError } from "../errors";
import { createRegistry } from "../registry";
import { sendReportEmail } from "./generate-report";

/**
 * How a report email's failure reaches the job queue (sendReportEmail, used by generate-report): a
 * temporary failure (the SMTP server is down) retries with the job's attempts, a permanent one (the
 * server refused the recipient) fails the job once with the reason, and no log line shows the SMTP
 * password. Runs on the inline driver, with the same retry rules as BullMQ.
 */
const PASSWORD = "Very-Secret-Pw-42";
const message: EmailMessage = {
  from: "Canopy <reports@example.com>",
  to: ["finance@example.com"],
  subject: "Demo Corp: cloud emissions report for February 2026 is ready (draft v1)",
  text: "Download the PDF: https://canopy.example.com/reports/r1/download?format=pdf",
};

async function runSendJob(transport: EmailTransport) {
  const logs: string[] = [];
  const failures: { error: Error; willRetry: boolean }[] = [];
  const completed: unknown[] = [];
  const attempts: number[] = [];
  const job = defineJob({
    name: "send-report-email",
    payload: z.object({}),
    options: { attempts: 3, backoffMs: 1, concurrency: 1 },
    async process(_payload, deps, context) {
      attempts.push(context.attempt);
      return sendReportEmail(transport, message, deps.log, {
        ...context,
        reportId: "r1",
      });
    },
  });
  const driver = createInlineDriver(
    {
      owner: {} as Connection,
      app: {} as Connection,
      keyring: {} as Keyring,
      log: (line) => void logs.push(line),
    },
    {
      onFailed: (_name, _ms, error, willRetry) => void failures.push({ error, willRetry }),
      onCompleted: (_name, _ms, result) => void completed.push(result),
    },
    createRegistry([job]),
  );
  await driver.startWorkers();
  await driver.enqueue("send-report-email", {});
  await driver.drain();
  await driver.close();
  return { logs, failures, completed, attempts };
}

describe("report email delivery in a job", () => {
  it("retries with the job's attempts while the SMTP server is down (connection refused)", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await runSendJob(
      createEmailTransport({
        kind: "smtp",
        smtpUrl: `smtp://reports:${PASSWORD}@127.0.0.1:${port}`,
        outboxDir: "/nonexistent",
        log: () => undefined,
      }),
    );

    expect(run.attempts).toEqual([1, 2, 3]);
    expect(run.completed).toEqual([]);
    expect(run.failures.map((f) => f.willRetry)).toEqual([true, true, false]);
    for (const { error } of run.failures) {
      expect(error).toBeInstanceOf(EmailDeliveryError);
      expect(error.message).toMatch(
        new RegExp(`^SMTP smtp://127\\.0\\.0\\.1:${port} failed \\(temporary\\): .*ECONNREFUSED`),
      );
    }
    expect(run.logs.filter((l) => l.startsWith("generate-report r1:"))).toEqual([
      expect.stringContaining("report email not sent, will retry (attempt 1 of 3) (smtp)"),
      expect.stringContaining("report email not sent, will retry (attempt 2 of 3) (smtp)"),
      expect.stringContaining("report email not sent, giving up after 3 attempts (smtp)"),
    ]);
    for (const line of [...run.logs, ...run.failures.map((f) => f.error.message)])
      expect(line).not.toContain(PASSWORD);
  });

  it("fails once, without retrying, when the server refuses the recipient for good", async () => {
    const refused = new EmailDeliveryError(
      "SMTP smtp://mail.example.com:587 refused finance@example.com (permanent): Can't send mail - all recipients were rejected: 550 5.1.1 User unknown",
      { permanent: true, responseCode: 550, rejected: ["finance@example.com"] },
    );
    const run = await runSendJob({
      kind: "smtp",
      send: async () => {
        throw refused;
      },
    });
    expect(run.attempts).toEqual([1]);
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]!.willRetry).toBe(false);
    expect(run.failures[0]!.error).toBeInstanceOf(PermanentJobError);
    expect(run.failures[0]!.error.message).toBe(
      `Report r1 generated, but its email was refused: ${refused.message}`,
    );
    expect(run.logs).toEqual([
      `generate-report r1: report email refused, not retrying (smtp): ${refused.message}`,
    ]);
  });

  it("sends on a later attempt after a temporary failure", async () => {
    let calls = 0;
    const run = await runSendJob({
      kind: "smtp",
      send: async (sent) => {
        if (++calls === 1)
          throw new EmailDeliveryError("SMTP smtp://mail.example.com:587 failed (temporary): 421", {
            permanent: false,
            responseCode: 421,
          });
        return { accepted: sent.to, rejected: [] };
      },
    });
    expect(run.attempts).toEqual([1, 2]);
    expect(run.completed).toEqual([{ accepted: ["finance@example.com"], rejected: [] }]);
  });

  it("counts every recipient as accepted for transports that cannot tell (log, outbox)", async () => {
    const run = await runSendJob({ kind: "log", send: async () => undefined });
    expect(run.completed).toEqual([{ accepted: ["finance@example.com"], rejected: [] }]);
  });
});
