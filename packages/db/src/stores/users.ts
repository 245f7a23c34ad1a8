import type { Connection } from "../client";

/** users and invitations, as the auth connection (Better Auth's tables, not tenant-scoped) reads them. */

/**
 * Whether an account may be created for `email` when sign-up is by invitation: the instance has no
 * user yet, or the email has a pending, unexpired invitation.
 */
export async function signUpAllowedByInvitation(auth: Connection, email: string): Promise<boolean> {
  const { rows } = await auth.pool.query<{ allowed: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM users)
         OR EXISTS (SELECT 1 FROM invitations
                    WHERE lower(email) = lower($1) AND status = 'pending' AND expires_at > now()) AS allowed`,
    [email],
  );
  return rows[0]?.allowed ?? false;
}
