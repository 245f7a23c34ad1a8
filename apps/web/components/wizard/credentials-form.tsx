"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { saveCredentials } from "@/app/actions/accounts";

const fieldsByProvider: Record<"aws" | "azure" | "gcp", Field[]> = {
  aws: [
    {
      name: "roleArn",
      label: "Role ARN",
      placeholder: "arn:aws:iam::123456789012:role/CanopyReadOnly",
      secret: false,
      multiline: false,
    },
    {
      name: "exportBucket",
      label: "Export bucket",
      placeholder: "acme-cur-exports",
      secret: false,
      multiline: false,
    },
    {
      name: "exportPrefix",
      label: "Export prefix (optional)",
      placeholder: "canopy",
      secret: false,
      multiline: false,
    },
  ],
  azure: [
    {
      name: "directoryTenantId",
      label: "Directory (tenant) ID",
      placeholder: "tenant",
      secret: false,
      multiline: false,
    },
    {
      name: "clientId",
      label: "Application (client) ID",
      placeholder: "appId",
      secret: false,
      multiline: false,
    },
    {
      name: "clientSecret",
      label: "Client secret",
      placeholder: "password",
      secret: true,
      multiline: false,
    },
  ],
  gcp: [
    {
      name: "serviceAccountKey",
      label: "Service account key, or workload identity federation configuration (JSON)",
      placeholder: '{ "type": "service_account", … } or { "type": "external_account", … }',
      secret: true,
      multiline: true,
    },
    {
      name: "billingExportTable",
      label: "Billing export table",
      placeholder: "project.dataset.gcp_billing_export_resource_v1_…",
      secret: false,
      multiline: false,
    },
  ],
};

type Field = {
  name: string;
  label: string;
  placeholder: string;
  secret?: boolean;
  multiline?: boolean;
  defaultValue?: string;
  hint?: string;
  /** A choice instead of free text: [value, label] pairs; "" is "not set". */
  options?: [string, string][];
};

/** Optional sections below the required fields; empty inputs are not stored. */
const optionalSections: Partial<
  Record<"aws" | "azure" | "gcp", { title: string; help: string; fields: Field[] }>
> = {
  aws: {
    title: "CUR 2.0 via Athena (recommended, hourly)",
    help:
      "Canopy aggregates your CUR 2.0 export where it lives, with Athena, hour by hour. Leave the database " +
      "and table empty to start with the Cost Explorer quick start instead (daily figures, no Athena setup); " +
      "you can add them later by saving the credentials again.",
    fields: [
      {
        name: "athenaRegion",
        label: "Athena region",
        placeholder: "us-east-1",
        defaultValue: "us-east-1",
        hint: "Where the Glue database and the CUR 2.0 data live.",
      },
      {
        name: "athenaDatabase",
        label: "Athena database",
        placeholder: "cur",
        hint: "The Glue Data Catalog database of the crawler in the setup step.",
      },
      {
        name: "athenaTable",
        label: "CUR 2.0 table",
        placeholder: "data",
        hint: "The table the crawler created over the export's data folder.",
      },
      {
        name: "athenaWorkGroup",
        label: "Workgroup",
        placeholder: "primary",
        defaultValue: "primary",
      },
      {
        name: "athenaOutputLocation",
        label: "Query results location (optional)",
        placeholder: "s3://acme-cur-exports/athena-results/",
        hint: "Leave empty if the workgroup sets one. The role may write there (s3:PutObject).",
      },
      {
        name: "curExportName",
        label: "Data Exports export name (optional)",
        placeholder: "canopy-cur2",
        hint: "With the bucket and prefix above it locates the export's Manifest.json, so a sync waits while AWS refreshes a month. Default canopy-cur2.",
      },
      {
        name: "athenaCarbonTable",
        label: "Carbon emissions table (optional)",
        placeholder: "carbon_emissions",
        hint: "A table over the CARBON_EMISSIONS data export in the same database: AWS's own figures, shown beside Canopy's on Reconciliation.",
      },
    ],
  },
  azure: {
    title: "Large estates: a billing scope (optional)",
    help:
      "Leave empty to read the subscription with the Cost Management Query API (up to 5 subscriptions; more are " +
      "read through cost details reports). With a billing account or billing profile, Canopy reads cost details " +
      "reports (the Cost Details API, one per month, split into shorter ranges when a month is too large) for " +
      "everything in it; the service principal needs a billing reader role there. A management group is read " +
      "as the subscriptions under it (cost details reports do not accept management groups); the service " +
      "principal needs Management Group Reader on it.",
    fields: [
      {
        name: "usageScope",
        label: "Cost Management scope",
        placeholder: "providers/Microsoft.Billing/billingAccounts/12345678",
        hint: "Billing account or profile (Billing → Properties), or providers/Microsoft.Management/managementGroups/<id>.",
      },
      {
        name: "usageSource",
        label: "Usage source",
        placeholder: "",
        options: [
          ["", "By scope (cost details for billing and management-group scopes)"],
          ["query", "Query API (small scopes, one subscription)"],
          ["cost-details", "Cost details reports (large scopes)"],
        ],
      },
    ],
  },
  gcp: {
    title: "Google's own carbon figures (optional)",
    help: "With the Carbon Footprint BigQuery export, Reconciliation shows Google's monthly figures beside Canopy's.",
    fields: [
      {
        name: "carbonExportTable",
        label: "Carbon Footprint export table",
        placeholder: "my-billing.carbon.carbon_footprint",
      },
    ],
  },
};

function FieldInput(props: { field: Field; errors: string[] | undefined }) {
  const f = props.field;
  return (
    <label>
      {f.label}
      {f.options ? (
        <select name={f.name} defaultValue={f.defaultValue ?? ""} aria-invalid={!!props.errors}>
          {f.options.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      ) : f.multiline ? (
        <textarea
          name={f.name}
          placeholder={f.placeholder}
          aria-invalid={!!props.errors}
          spellCheck={false}
        />
      ) : (
        <input
          name={f.name}
          type={f.secret ? "password" : "text"}
          placeholder={f.placeholder}
          defaultValue={f.defaultValue}
          aria-invalid={!!props.errors}
          spellCheck={false}
        />
      )}
      {f.hint && <span className="muted small">{f.hint}</span>}
      {props.errors && <span className="field-error">{props.errors.join(" ")}</span>}
    </label>
  );
}

/** Credentials go straight to the server action, which seals them; the form is cleared afterwards. */
export function CredentialsForm(props: {
  accountId: string;
  provider: "aws" | "azure" | "gcp";
  next: string;
}) {
  const router = useRouter();
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const optional = optionalSections[props.provider];

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = Object.fromEntries(new FormData(form)) as Record<string, string>;
    setPending(true);
    const result = await saveCredentials({
      accountId: props.accountId,
      credentials: { ...values, provider: props.provider } as never,
    });
    setPending(false);
    if (!result.ok) {
      setFields(
        Object.fromEntries(
          Object.entries(result.error.fields ?? {}).map(([k, v]) => [
            k.replace(/^credentials\./, ""),
            v,
          ]),
        ),
      );
      setError(result.error.fields ? null : result.error.message);
      return;
    }
    form.reset();
    router.push(props.next);
  }

  return (
    <form
      className="stack"
      onSubmit={onSubmit}
      noValidate
      style={{ maxWidth: 560 }}
      autoComplete="off"
    >
      {fieldsByProvider[props.provider].map((f) => (
        <FieldInput key={f.name} field={f} errors={fields[f.name]} />
      ))}
      {optional && (
        <fieldset data-testid="optional-credentials">
          <legend>{optional.title}</legend>
          <div className="fieldset-fields">
            <p className="muted small">{optional.help}</p>
            {optional.fields.map((f) => (
              <FieldInput key={f.name} field={f} errors={fields[f.name]} />
            ))}
          </div>
        </fieldset>
      )}
      <p className="muted small">
        Stored encrypted (AES-256-GCM) and never shown again, not even to admins.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div>
        <button type="submit" disabled={pending}>
          {pending ? "Encrypting…" : "Save credentials"}
        </button>
      </div>
    </form>
  );
}
