"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { restoreImportVersion } from "@/app/actions/imports";

/**
 * "Restore previous version" of an import or sync that replaced stored data: its usage stops counting
 * and what it replaced counts again. A refusal shows its reason (replaced since, already restored…).
 */
export function RestoreButton(props: { runId: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function restore() {
    setBusy(true);
    setMessage(null);
    const result = await restoreImportVersion({ importId: props.runId });
    setBusy(false);
    if (!result.ok) {
      setMessage({ ok: false, text: result.error.message });
      return;
    }
    setMessage({
      ok: true,
      text: `Restored: ${result.data.rowsRestored.toLocaleString("en")} rows count again, ${result.data.rowsWithdrawn.toLocaleString("en")} rows of this run withdrawn (kept). Re-estimating…`,
    });
    router.refresh();
  }

  return (
    <div className="stack-lg">
      <button type="button" className="secondary" disabled={busy} onClick={() => void restore()}>
        {busy ? "Restoring…" : "Restore previous version"}
      </button>
      {message && (
        <p
          role={message.ok ? "status" : "alert"}
          className={message.ok ? "small" : "small error"}
          data-testid={message.ok ? "restore-done" : "restore-error"}
        >
          {message.text}
        </p>
      )}
    </div>
  );
}
