import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/server/page-context";
import { oidcProvider } from "@/lib/server/auth";
import { SignInForm } from "./sign-in-form";
import { SsoButton } from "./sso-button";

export const dynamic = "force-dynamic";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string; sso?: string }>;
}) {
  const { next, sso } = await searchParams;
  const provider = oidcProvider();
  const target = next?.startsWith("/") && !next.startsWith("//") ? next : "/";
  if (await currentUser()) redirect(target);
  return (
    <main>
      <h1>Sign in to Canopy</h1>
      <p className="muted">Cloud carbon accounting for AWS, Azure and GCP.</p>
      {sso === "failed" && (
        <p role="alert" className="error">
          Single sign-on did not complete (the identity provider refused or the account may not sign
          up here). Try again, or ask an administrator.
        </p>
      )}
      <div className="card stack" style={{ maxWidth: 420 }}>
        {provider && <SsoButton name={provider.name} next={target} />}
        <SignInForm next={target} />
      </div>
      <p className="small">
        New to Canopy? <Link href="/sign-up">Create an account</Link>
      </p>
    </main>
  );
}
