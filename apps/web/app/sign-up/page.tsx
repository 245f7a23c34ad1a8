import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/server/page-context";
import { signUpPolicyNote } from "@/lib/server/sign-up-policy";
import { SignUpForm } from "./sign-up-form";

export const dynamic = "force-dynamic";

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string }>;
}) {
  if (await currentUser()) redirect("/");
  const { next } = await searchParams;
  return (
    <main>
      <h1>Create your Canopy account</h1>
      <p className="muted" data-testid="sign-up-policy">
        {signUpPolicyNote() ?? "Then create an organization, or accept an invitation to one."}
      </p>
      <div className="card" style={{ maxWidth: 440 }}>
        <SignUpForm next={next?.startsWith("/") ? next : "/onboarding"} />
      </div>
      <p className="small">
        Already have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </main>
  );
}
