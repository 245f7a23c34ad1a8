"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { finishConnection } from "@/app/actions/accounts";

export function FinishStep(props: { accountId: string; status: string }) {
  const router = useRouter();
  const [done, setDone] = useState(props.status !== "pending");
  const [error, setError] = useState<string | null>(null);
  if (done) {
    return (
      <div className="stack-lg">
        <p>
          The account is set up. Its emissions are on the dashboard; import more billing files any
          time from Imports.
        </p>
        <div className="row">
          <Link className="button" href="/">
            Go to the dashboard
          </Link>
          <Link className="button secondary" href="/imports">
            Imports
          </Link>
        </div>
      </div>
    );
  }
  return (
    <div className="stack-lg">
      <p>
        Finish to mark the account active. The worker then backfills 13 months and syncs it regularly;
        its sync runs and any error appear on the Imports page and in the account list. You can also
        import billing files at any time.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div>
        <button
          type="button"
          onClick={async () => {
            const result = await finishConnection({ accountId: props.accountId });
            if (!result.ok) setError(result.error.message);
            else {
              setDone(true);
              router.refresh();
            }
          }}
        >
          Finish
        </button>
      </div>
    </div>
  );
}
