import Link from "next/link";
import { currentUser } from "@/lib/server/page-context";
import { AcceptInvitation } from "./accept-invitation";

export const dynamic = "force-dynamic";

/** The invitation link an admin shares: sign up or sign in with the invited email, then accept. */
export default async function InvitePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await currentUser();
  return (
    <main>
      <h1>Join an organization on Canopy</h1>
      {user ? (
        <div className="card stack-lg" style={{ maxWidth: 520 }}>
          <p>
            Signed in as <strong>{user.email}</strong>. The invitation must be for this address.
          </p>
          <AcceptInvitation invitationId={id} />
        </div>
      ) : (
        <div className="card stack-lg" style={{ maxWidth: 520 }}>
          <p>
            Create an account (or sign in) with the email address the invitation was sent to, then
            come back to this link.
          </p>
          <div className="row">
            <Link className="button" href={`/sign-up?next=/invite/${id}`}>
              Create account
            </Link>
            <Link className="button secondary" href={`/sign-in?next=/invite/${id}`}>
              Sign in
            </Link>
          </div>
        </div>
      )}
    </main>
  );
}
