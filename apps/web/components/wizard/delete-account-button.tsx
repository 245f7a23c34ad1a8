"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { deleteAccount, previewDeleteAccount } from "@/app/actions/accounts";
import { formatKg, formatNumber } from "@/lib/format";

/** Deletes an account after a confirmation that says what goes with it. */
export function DeleteAccountButton(props: { accountId: string; name: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        className="danger small"
        disabled={busy}
        onClick={async () => {
          setError(null);
          setBusy(true);
          try {
            const preview = await previewDeleteAccount({ accountId: props.accountId });
            if (!preview.ok) return setError(preview.error.message);
            const p = preview.data;
            const what =
              p.rows.usage_hourly > 0
                ? `its ${formatNumber(p.rows.usage_hourly)} usage rows from ${p.firstDay ?? "?"} to ${p.lastDay ?? "?"} ` +
                  `(${formatKg(p.co2eLocationKg)} CO2e location-based), their previous versions, ` +
                  `rollups and ${formatNumber(p.rows.sync_runs)} sync runs`
                : "its settings (it has no stored usage)";
            if (!window.confirm(`Delete ${props.name} with ${what}? This cannot be undone.`))
              return;
            const result = await deleteAccount({ accountId: props.accountId, confirm: "delete" });
            if (!result.ok) setError(result.error.message);
            else router.refresh();
          } finally {
            setBusy(false);
          }
        }}
      >
        Delete
      </button>
      {error && <span className="field-error">{error}</span>}
    </>
  );
}
