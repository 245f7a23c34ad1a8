"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { cancelInvitation, changeMemberRole, removeMember } from "@/app/actions/members";
import { roleTitle } from "@/lib/permissions";
import { ROLES } from "@/lib/role-rank";

export function MemberControls(props: {
  memberId: string;
  role: string;
  self: boolean;
  canManageOwners: boolean;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const locked = props.role === "owner" && !props.canManageOwners;

  async function run(action: () => Promise<{ ok: boolean; error?: { message: string } }>) {
    setPending(true);
    const result = await action();
    setPending(false);
    if (!result.ok) setError(result.error?.message ?? "Failed.");
    else {
      setError(null);
      router.refresh();
    }
  }

  return (
    <div className="row">
      <select
        aria-label="Role"
        value={props.role}
        disabled={pending || locked}
        onChange={(e) =>
          void run(() =>
            changeMemberRole({
              memberId: props.memberId,
              role: e.target.value as (typeof ROLES)[number],
            }),
          )
        }
      >
        {ROLES.filter((r) => r !== "owner" || props.canManageOwners || props.role === "owner").map(
          (r) => (
            <option key={r} value={r}>
              {roleTitle(r)}
            </option>
          ),
        )}
      </select>
      {!props.self && !locked && (
        <button
          type="button"
          className="danger small"
          disabled={pending}
          onClick={() => {
            if (window.confirm("Remove this member? Their access ends immediately."))
              void run(() => removeMember({ memberId: props.memberId }));
          }}
        >
          Remove
        </button>
      )}
      {error && <span className="field-error">{error}</span>}
    </div>
  );
}

export function CancelInvitationButton(props: { invitationId: string }) {
  const router = useRouter();
  return (
    <button
      type="button"
      className="secondary small"
      onClick={async () => {
        const result = await cancelInvitation({ invitationId: props.invitationId });
        if (result.ok) router.refresh();
      }}
    >
      Cancel
    </button>
  );
}
