"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import {
  addTagRuleAction,
  createCostCentreAction,
  deleteCostCentreAction,
  removeRuleAction,
} from "@/app/actions/allocation";

type Result = { ok: true } | { ok: false; error: { message: string } };

/** Admins' editor on the Allocation page: cost centres, and tag rules appended to the list. */
export function RulesEditor(props: {
  costCentres: { id: string; name: string }[];
  rules: { id: string; label: string }[];
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (change: () => Promise<Result>) => {
    setError(null);
    setBusy(true);
    try {
      const result = await change();
      if (!result.ok) setError(result.error.message);
      else router.refresh();
    } finally {
      setBusy(false);
    }
  };
  const field = (event: FormEvent<HTMLFormElement>, name: string) =>
    String(new FormData(event.currentTarget).get(name) ?? "");
  return (
    <div className="stack-lg" data-testid="rules-editor">
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          const name = field(event, "name");
          void run(() => createCostCentreAction({ name }));
        }}
      >
        <label>
          New cost centre <input name="name" required maxLength={200} />
        </label>
        <button className="button secondary" type="submit" disabled={busy}>
          Add
        </button>
      </form>
      {props.costCentres.length > 0 && (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            const input = {
              tagKey: field(event, "tagKey"),
              tagValue: field(event, "tagValue"),
              costCentreId: field(event, "costCentreId"),
            };
            void run(() => addTagRuleAction(input));
          }}
        >
          <label>
            Tag key <input name="tagKey" required placeholder="k8s-namespace" maxLength={128} />
          </label>
          <label>
            Tag value <input name="tagValue" required placeholder="checkout" maxLength={256} />
          </label>
          <label>
            Cost centre{" "}
            <select name="costCentreId" required>
              {props.costCentres.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <button className="button secondary" type="submit" disabled={busy}>
            Add rule
          </button>
        </form>
      )}
      {props.rules.length > 0 && (
        <ul className="small">
          {props.rules.map((rule) => (
            <li key={rule.id}>
              {rule.label}{" "}
              <button
                type="button"
                className="danger small"
                disabled={busy}
                onClick={() => void run(() => removeRuleAction({ ruleId: rule.id }))}
              >
                Remove rule
              </button>
            </li>
          ))}
        </ul>
      )}
      {props.costCentres.length > 0 && (
        <ul className="small">
          {props.costCentres.map((c) => (
            <li key={c.id}>
              {c.name}{" "}
              <button
                type="button"
                className="danger small"
                disabled={busy}
                onClick={() => {
                  if (window.confirm(`Delete ${c.name}? Its rules' rows become unallocated.`))
                    void run(() => deleteCostCentreAction({ id: c.id }));
                }}
              >
                Delete cost centre
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}
