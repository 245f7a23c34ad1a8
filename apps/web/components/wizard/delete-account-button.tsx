"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { deleteAccount } from "@/app/actions/accounts";

export function DeleteAccountButton(props: { accountId: string; name: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="danger small"
        onClick={async () => {
          if (!window.confirm(`Delete ${props.name} with all its usage and emissions?`)) return;
          const result = await deleteAccount({ accountId: props.accountId, confirm: "delete" });
          if (!result.ok) setError(result.error.message);
          else router.refresh();
        }}
      >
        Delete
      </button>
      {error && <span className="field-error">{error}</span>}
    </>
  );
}
