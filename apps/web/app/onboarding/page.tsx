import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/server/page-context";
import { organizationsOf } from "@/lib/server/principal";
import { SignOutButton } from "@/components/sign-out-button";
import { CreateOrganizationForm } from "./create-organization-form";

export const dynamic = "force-dynamic";

export default async function OnboardingPage() {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  const organizations = await organizationsOf(user.id);
  return (
    <main>
      <div className="row between">
        <h1>Create an organization</h1>
        <div className="row">
          {organizations.length > 0 && (
            <Link href="/" data-testid="onboarding-back">
              Back to {organizations.length === 1 ? organizations[0]!.name : "your organizations"}
            </Link>
          )}
          <SignOutButton />
        </div>
      </div>
      <p className="muted">
        An organization holds your cloud accounts, emissions and members. You will be its owner.
        {organizations.length === 0 &&
          " Were you invited? Open the invitation link you were given instead."}
      </p>
      <div className="card" style={{ maxWidth: 460 }}>
        <CreateOrganizationForm />
      </div>
    </main>
  );
}
