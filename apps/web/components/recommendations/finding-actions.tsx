"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import {
  changeFindingStateAction,
  recomputeRecommendationsAction,
} from "@/app/actions/recommendations";

type State = "open" | "accepted" | "dismissed" | "done";

/** Accept, dismiss with a reason, mark done, or reopen one finding. */
export function FindingActions(props: { id: string; state: State }) {
  const router = useRouter();
  const [dismissing, setDismissing] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function change(state: State, extra: { reason?: string } = {}) {
    const result = await changeFindingStateAction({ id: props.id, state, ...extra });
    if (!result.ok) {
      setError(result.error.fields?.reason?.join(" ") ?? result.error.message);
      return;
    }
    setError(null);
    setDismissing(false);
    router.refresh();
  }

  return (
    <div className="stack" style={{ gap: "0.3rem" }}>
      <div className="row" style={{ gap: "0.3rem" }}>
        {props.state === "open" && (
          <button type="button" className="small" onClick={() => change("accepted")}>
            Accept
          </button>
        )}
        {props.state !== "done" && (
          <button type="button" className="small secondary" onClick={() => change("done")}>
            Done
          </button>
        )}
        {props.state !== "dismissed" && props.state !== "done" && (
          <button type="button" className="small secondary" onClick={() => setDismissing(true)}>
            Dismiss
          </button>
        )}
        {props.state !== "open" && (
          <button type="button" className="small secondary" onClick={() => change("open")}>
            Reopen
          </button>
        )}
      </div>
      {dismissing && (
        <form
          className="row"
          style={{ gap: "0.3rem" }}
          onSubmit={(event) => {
            event.preventDefault();
            void change("dismissed", { reason });
          }}
        >
          <input
            aria-label="Reason for dismissing"
            placeholder="Why not (e.g. data must stay in DE)"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <button type="submit" className="small danger">
            Dismiss
          </button>
        </form>
      )}
      {error && (
        <span role="alert" className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

export function RecomputeButton() {
  const router = useRouter();
  const [status, setStatus] = useState<string | null>(null);
  return (
    <div className="stack" style={{ alignItems: "end" }}>
      <button
        type="button"
        className="secondary"
        onClick={async () => {
          const result = await recomputeRecommendationsAction({});
          setStatus(result.ok ? "Queued: refresh in a moment." : result.error.message);
          router.refresh();
        }}
      >
        Recompute
      </button>
      {status && (
        <span role="status" className="muted small">
          {status}
        </span>
      )}
    </div>
  );
}
