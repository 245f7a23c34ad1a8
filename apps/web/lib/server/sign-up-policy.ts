import "server-only";
import { APIError } from "better-auth/api";
import { signUpAllowedByInvitation } from "@canopy/db";
import { authDb } from "./db";
import { serverEnv } from "./env";

const signUpClosedMessage =
  "This Canopy instance creates accounts by invitation only. Ask an administrator of your organization to invite this email address, then open the invitation link.";

const domainsMessage = (domains: readonly string[]) =>
  `This Canopy instance creates accounts for addresses at ${domains.join(", ")}, or by invitation. Use your work address, or ask an administrator of your organization to invite this email address.`;

/** The domain of an email address, lower case ("Ana@Example.COM" → "example.com"). */
const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

/**
 * With CANOPY_SIGN_UP=invitation, an account may be created only for an email that has a pending,
 * unexpired invitation, whose domain is in CANOPY_SIGN_UP_DOMAINS, or as the first user of an
 * instance without users (its operator). Runs before Better Auth creates any user, whichever
 * endpoint asked.
 */
export async function refuseUnlessSignUpAllowed(email: string): Promise<void> {
  const env = serverEnv();
  if (env.CANOPY_SIGN_UP === "open") return;
  const domains = env.CANOPY_SIGN_UP_DOMAINS;
  if (domains.includes(domainOf(email))) return;
  if (!(await signUpAllowedByInvitation(authDb(), email)))
    throw new APIError("FORBIDDEN", {
      code: "SIGN_UP_BY_INVITATION",
      message: domains.length ? domainsMessage(domains) : signUpClosedMessage,
    });
}

/** What the sign-up page says about who may create an account (null: anyone). */
export function signUpPolicyNote(): string | null {
  const env = serverEnv();
  if (env.CANOPY_SIGN_UP === "open") return null;
  const domains = env.CANOPY_SIGN_UP_DOMAINS;
  return domains.length
    ? `Accounts on this instance are for addresses at ${domains.join(", ")}, or by invitation: use your work address or the one your invitation was sent to.`
    : "Accounts on this instance are by invitation: use the email address your invitation was sent to.";
}
