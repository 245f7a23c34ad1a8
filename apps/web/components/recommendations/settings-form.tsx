"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { saveRecommendationSettingsAction } from "@/app/actions/recommendations";

type Settings = {
  allowedContinents: string[] | null;
  allowedJurisdictions: string[] | null;
  residencyTagKey: string | null;
};

const list = (text: string) => {
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
};

export function RecommendationSettingsForm(props: { settings: Settings }) {
  const router = useRouter();
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [message, setMessage] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const result = await saveRecommendationSettingsAction({
      allowedContinents: list(String(data.get("allowedContinents") ?? "")),
      allowedJurisdictions: list(String(data.get("allowedJurisdictions") ?? "")),
      residencyTagKey: String(data.get("residencyTagKey") ?? "").trim() || null,
    });
    if (!result.ok) {
      setFields(result.error.fields ?? {});
      setMessage(result.error.fields ? null : result.error.message);
      return;
    }
    setFields({});
    setMessage("Saved. Recompute the recommendations to apply it now.");
    router.refresh();
  }

  const fieldError = (name: string) =>
    Object.entries(fields)
      .filter(([key]) => key === name || key.startsWith(`${name}.`))
      .flatMap(([, v]) => v)
      .join(" ");

  return (
    <form className="card stack" onSubmit={onSubmit} noValidate>
      <label>
        Allowed continents (AF, AS, EU, NA, OC, SA)
        <input
          name="allowedContinents"
          defaultValue={props.settings.allowedContinents?.join(", ") ?? ""}
          placeholder="EU, NA"
        />
        {fieldError("allowedContinents") && (
          <span className="field-error">{fieldError("allowedContinents")}</span>
        )}
      </label>
      <label>
        Allowed jurisdictions (ISO country codes, or EU for the member states)
        <input
          name="allowedJurisdictions"
          defaultValue={props.settings.allowedJurisdictions?.join(", ") ?? ""}
          placeholder="EU, CH, GB"
        />
        {fieldError("allowedJurisdictions") && (
          <span className="field-error">{fieldError("allowedJurisdictions")}</span>
        )}
      </label>
      <label>
        Data-residency tag key
        <input
          name="residencyTagKey"
          defaultValue={props.settings.residencyTagKey ?? ""}
          placeholder="data-residency"
        />
        <span className="muted small">
          Usage tagged with this key stays in the tag&apos;s jurisdiction (a country code or EU);
          any other value pins it to its region.
        </span>
      </label>
      <div>
        <button type="submit">Save</button>
      </div>
      {message && <p role="status">{message}</p>}
    </form>
  );
}
