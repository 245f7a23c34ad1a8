import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/server/page-context";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string }>;
}) {
  const { next } = await searchParams;
  const target = next?.startsWith("/") && !next.startsWith("//") ? next : "/";
  if (await currentUser()) redirect(target);
  return (
    <main>
      <h1>Sign in to Canopy</h1>
      <p className="muted">Cloud carbon accounting for AWS, Azure and GCP.</p>
      <div className="card" style={{ maxWidth: 420 }}>
        <SignInForm next={target} />
      </div>
      <p className="small">
        New to Canopy? <Link href="/sign-up">Create an account</Link>
      </p>
    </main>
  );
}
