"use client";
import { useRouter } from "next/navigation";

/** Signs out through Better Auth's endpoint (a plain request: no auth client in every page's bundle). */
export function SignOutButton() {
  const router = useRouter();
  return (
    <button
      type="button"
      className="secondary small"
      onClick={async () => {
        await fetch("/api/auth/sign-out", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        router.push("/sign-in");
        router.refresh();
      }}
    >
      Sign out
    </button>
  );
}
