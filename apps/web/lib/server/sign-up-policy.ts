import "server-only";
import { APIError } from "better-auth/api";
import { authDb } from "./db";
import { serverEnv } from "./env";

export const signUpClosedMessage =
  "This Canopy instance creates accounts by invitation only. Ask an administrator of your organization to invite this email address, then open the invitation link.";

/**
 * With CANOPY_SIGN_UP=invitation, an account may be created only for an email that has a pending,
 * unexpired invitation, or as the first user of an instance without users (its operator). Runs
 * before Better Auth creates any user, whichever endpoint asked.
 */
export async function refuseUnlessSignUpAllowed(email: string): Promise<void> {
  if (serverEnv().CANOPY_SIGN_UP === "open") return;
  const { rows } = await authDb().pool.query<{ allowed: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM users)
         OR EXISTS (SELECT 1 FROM invitations
                    WHERE lower(email) = lower($1) AND status = 'pending' AND expires_at > now()) AS allowed`,
    [email],
  );
  if (!rows[0]?.allowed)
    throw new APIError("FORBIDDEN", {
      code: "SIGN_UP_BY_INVITATION",
      message: signUpClosedMessage,
    });
}

/** Whether the sign-up page should say that accounts are by invitation. */
export const signUpByInvitation = (): boolean => serverEnv().CANOPY_SIGN_UP === "invitation";
