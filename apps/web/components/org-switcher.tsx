"use client";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { switchOrganization } from "@/app/actions/organization";

export function OrgSwitcher(props: {
  current: string;
  organizations: { id: string; name: string }[];
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <label className="row small" style={{ gap: "0.4rem" }}>
      <span className="muted">Organization</span>
      <select
        aria-label="Switch organization"
        value={props.current}
        disabled={pending}
        onChange={(event) => {
          const value = event.target.value;
          if (value === "__new") {
            router.push("/onboarding");
            return;
          }
          startTransition(async () => {
            const result = await switchOrganization({ organizationId: value });
            if (result.ok) {
              router.push("/");
              router.refresh();
            }
          });
        }}
      >
        {props.organizations.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name}
          </option>
        ))}
        <option value="__new">+ New organization…</option>
      </select>
    </label>
  );
}
