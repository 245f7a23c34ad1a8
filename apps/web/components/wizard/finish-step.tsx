"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { finishConnection } from "@/app/actions/accounts";

export function FinishStep(props: {
  accountId: string;
  status: string;
  lastError: string | null;
  /** Why Finish would be refused (the connection test did not pass), or null. */
  blocked: string | null;
  testHref: string;
}) {
  const router = useRouter();
  const [done, setDone] = useState(props.status === "active" || props.status === "disabled");
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
  const refusal = error ?? props.blocked;
  return (
    <div className="stack-lg">
      {props.status === "needs_attention" ? (
        <p>
          The account needs attention: its syncs stopped
          {props.lastError ? ` (${props.lastError})` : ""}. When a new connection test passes, the
          account is active again and its syncs resume.
        </p>
      ) : (
        <p>
          Finish to mark the account active. The worker then backfills 13 months and syncs it
          regularly; its sync runs and any error appear on the Imports page and in the account list.
          You can also import billing files at any time.
        </p>
      )}
      {refusal && (
        <div className="notice warn stack-lg" role="alert" data-testid="finish-blocked">
          <p>{refusal}</p>
          <p>
            <Link className="button secondary" href={props.testHref}>
              Back to Test connection
            </Link>
          </p>
        </div>
      )}
      <div>
        <button
          type="button"
          disabled={!!props.blocked}
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
