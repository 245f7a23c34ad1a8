"use client";
import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { authClient } from "@/lib/auth-client";

export function AcceptInvitation(props: { invitationId: string }) {
  const router = useRouter();
  const [info, setInfo] = useState<{ organizationName: string; role: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  useEffect(() => {
    void authClient.organization
      .getInvitation({ query: { id: props.invitationId } })
      .then((result) => {
        if (result.error || !result.data)
          setError(
            result.error?.message ??
              "This invitation was not found, has expired, or is for another email address.",
          );
        else setInfo({ organizationName: result.data.organizationName, role: result.data.role });
      });
  }, [props.invitationId]);

  async function accept() {
    setPending(true);
    const result = await authClient.organization.acceptInvitation({
      invitationId: props.invitationId,
    });
    if (result.error) {
      setPending(false);
      setError(result.error.message ?? "Could not accept the invitation.");
      return;
    }
    const organizationId = result.data?.member.organizationId;
    if (organizationId) await authClient.organization.setActive({ organizationId });
    router.push("/");
    router.refresh();
  }

  if (error)
    return (
      <p role="alert" className="error">
        {error}
      </p>
    );
  if (!info) return <p className="muted">Loading the invitation…</p>;
  return (
    <div className="stack-lg">
      <p>
        You are invited to <strong>{info.organizationName}</strong> as <strong>{info.role}</strong>.
      </p>
      <div>
        <button type="button" onClick={accept} disabled={pending}>
          {pending ? "Joining…" : "Accept invitation"}
        </button>
      </div>
    </div>
  );
}
