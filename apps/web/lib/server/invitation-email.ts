import "server-only";
import path from "node:path";
import { canopyHome } from "@canopy/config";
import { createEmailTransport, type EmailTransport } from "@canopy/reports";
import { once, publicUrl, serverEnv } from "./env";

/** How invitations leave: the transport report emails use (CANOPY_EMAIL_TRANSPORT, CANOPY_SMTP_URL). */
const transport = once((): EmailTransport =>
  createEmailTransport({
    kind: serverEnv().CANOPY_EMAIL_TRANSPORT,
    outboxDir: path.join(canopyHome(serverEnv()), "outbox"),
    smtpUrl: serverEnv().CANOPY_SMTP_URL,
    log: (line) => console.log(`canopy-web: ${line}`),
  }),
);

export type InvitationDelivery =
  /** Sent through SMTP or written to the outbox. */
  | { status: "sent"; transport: string }
  /** CANOPY_EMAIL_TRANSPORT=log: nothing leaves the machine; the admin shares the link. */
  | { status: "not-configured" }
  | { status: "failed"; reason: string };

/** What happened to each invitation's email, read once by the action that created it. */
const deliveries = new Map<string, InvitationDelivery>();

export type InvitationEmail = {
  id: string;
  email: string;
  role: string;
  organizationName: string;
  inviter: string;
  expiresAt: Date;
};

export const invitationLink = (id: string) => `${publicUrl()}/invite/${id}`;

/**
 * Emails an invitation. Never throws: the invitation exists either way and its link is shown to the
 * admin, so a mail failure is reported (and logged) instead of failing the invitation.
 */
export async function sendInvitationEmail(invitation: InvitationEmail): Promise<void> {
  const link = invitationLink(invitation.id);
  const mailer = transport();
  let delivery: InvitationDelivery;
  try {
    await mailer.send({
      from: serverEnv().CANOPY_EMAIL_FROM,
      to: [invitation.email],
      subject: `${invitation.inviter} invited you to ${invitation.organizationName} on Canopy`,
      text: [
        `${invitation.inviter} invited you to join ${invitation.organizationName} on Canopy as ${invitation.role}.`,
        "",
        `Accept the invitation: ${link}`,
        "",
        `The link works until ${invitation.expiresAt.toUTCString()}. If you did not expect this email, ignore it.`,
      ].join("\n"),
    });
    delivery =
      mailer.kind === "log"
        ? { status: "not-configured" }
        : { status: "sent", transport: mailer.kind };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(
      `canopy-web: invitation ${invitation.id} email to ${invitation.email} failed: ${reason}`,
    );
    delivery = { status: "failed", reason };
  }
  deliveries.set(invitation.id, delivery);
}

/** The delivery of an invitation's email (once; unknown ids report a failure). */
export function takeInvitationDelivery(id: string): InvitationDelivery {
  const delivery = deliveries.get(id) ?? { status: "failed", reason: "no email was attempted" };
  deliveries.delete(id);
  return delivery;
}
