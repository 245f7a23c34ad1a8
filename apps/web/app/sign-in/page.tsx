import { redirect } from "next/navigation";
import { currentMember } from "@/lib/server/tenant-context";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await currentMember()) redirect("/");
  return (
    <main>
      <h1>Sign in to Canopy</h1>
      <p className="muted">Cloud carbon accounting for AWS, Azure and GCP.</p>
      <div className="card" style={{ maxWidth: 420 }}>
        <SignInForm />
      </div>
    </main>
  );
}
