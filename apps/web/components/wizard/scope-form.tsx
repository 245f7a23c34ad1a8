"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { saveScope } from "@/app/actions/accounts";

const hints = {
  aws: "AWS account ids (12 digits) to include: linked accounts of the payer. One per line.",
  azure: "Subscription IDs to include. One per line.",
  gcp: "Project ids to include. One per line.",
} as const;

export function ScopeForm(props: {
  accountId: string;
  provider: "aws" | "azure" | "gcp";
  initial: string[];
  next: string;
}) {
  const router = useRouter();
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    const form = new FormData(event.currentTarget);
    const result = await saveScope({
      accountId: props.accountId,
      scope: String(form.get("scope") ?? ""),
    });
    setPending(false);
    if (!result.ok) {
      setFields(result.error.fields ?? { scope: [result.error.message] });
      return;
    }
    router.push(props.next);
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate style={{ maxWidth: 560 }}>
      <label>
        Include
        <textarea
          name="scope"
          defaultValue={props.initial.join("\n")}
          aria-describedby="scope-hint"
          aria-invalid={!!Object.keys(fields).length}
        />
        <span id="scope-hint" className="muted small">
          {hints[props.provider]}
        </span>
        {Object.entries(fields).map(([key, messages]) => (
          <span key={key} className="field-error">
            {messages.join(" ")}
          </span>
        ))}
      </label>
      <div>
        <button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save scope"}
        </button>
      </div>
    </form>
  );
}
