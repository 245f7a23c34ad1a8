import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import {
  isPackProvider,
  providerNames as allProviderNames,
  type PackProvider,
} from "@canopy/methodology/providers";
import { CopyBlock } from "@/components/copy-block";
import { Forbidden } from "@/components/forbidden";
import { CredentialsForm } from "@/components/wizard/credentials-form";
import { FinishStep } from "@/components/wizard/finish-step";
import { ImportUploader } from "@/components/wizard/import-uploader";
import { ScopeForm } from "@/components/wizard/scope-form";
import { TestConnection } from "@/components/wizard/test-connection";
import { ApiError } from "@/lib/server/api-error";
import { getAccount, getConnectionCheck, type ConnectionCheck } from "@/lib/server/accounts";
import { serverEnv } from "@/lib/server/env";
import { allowed, requireMember } from "@/lib/server/page-context";
import { finishRefusal } from "@/lib/wizard/lifecycle";
import {
  awsAthenaCommands,
  awsCloudFormationTemplate,
  awsDeployCommand,
  awsExportBucketPolicy,
  awsExportCommands,
  awsTrustPolicy,
  azureCommands,
  gcpCarbonFootprintCommands,
  gcpCommands,
  gcpWorkloadIdentityCommands,
  type CanopyGcpIdentity,
  permissions,
  providerNames,
  WIZARD_STEPS,
  stepTitles,
  type WizardStep,
} from "@/lib/wizard/providers";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string; step: string }> };

export default async function WizardStepPage({ params }: Props) {
  const scope = await requireMember();
  if (!allowed(scope.principal, "accounts.manage"))
    return <Forbidden role={scope.principal.role} needs="accounts.manage" />;
  const { id, step: rawStep } = await params;
  const step = WIZARD_STEPS.find((s) => s === rawStep);
  if (!step || !z.uuid().safeParse(id).success) notFound();
  const account = await scope
    .sql((client) => getAccount(client, id))
    .catch((error) => {
      if (error instanceof ApiError && error.status === 404) notFound();
      throw error;
    });
  if (!isPackProvider(account.provider)) {
    return (
      <main className="stack-lg">
        <h1>
          {allProviderNames[account.provider]}: {account.displayName}
        </h1>
        <section className="card stack-lg" data-testid="file-only-provider">
          <p>
            Canopy has no live connector for {allProviderNames[account.provider]} yet: this account
            was created from a billing file, and its usage comes from FOCUS exports.
          </p>
          <p>
            Import each new export on <Link href="/imports">Imports</Link> (or with{" "}
            <code>pnpm canopy import &lt;file&gt; --org &lt;slug&gt;</code>); a file that covers
            days already imported shows what it replaces before anything changes.
          </p>
        </section>
      </main>
    );
  }
  const provider = account.provider;
  const index = WIZARD_STEPS.indexOf(step);
  const next = WIZARD_STEPS[index + 1];
  const previous = WIZARD_STEPS[index - 1];
  const base = `/accounts/${account.id}`;
  const env = serverEnv();
  const canopyAccountId = env.CANOPY_AWS_ACCOUNT_ID;
  // Canopy's own OIDC identity, which a customer's workload identity pool trusts (operator settings).
  const gcpIdentity: CanopyGcpIdentity = {
    ...(env.CANOPY_GCP_WIF_ISSUER ? { issuer: env.CANOPY_GCP_WIF_ISSUER } : {}),
    ...(env.CANOPY_GCP_WIF_SUBJECT ? { subject: env.CANOPY_GCP_WIF_SUBJECT } : {}),
    ...(env.CANOPY_GCP_WIF_AUDIENCE ? { audience: env.CANOPY_GCP_WIF_AUDIENCE } : {}),
  };
  const connectionCheck =
    step === "test" || step === "scope" || step === "done"
      ? await scope.sql((client) => getConnectionCheck(client, account.id))
      : null;

  return (
    <main className="stack-lg">
      <div>
        <h1>
          Connect {providerNames[provider]}: {account.displayName}
        </h1>
        <p className="muted small">
          {account.providerAccountId} · status {account.status} · your progress is saved: leave and
          resume from Cloud accounts.
        </p>
      </div>
      {account.status === "needs_attention" && (
        <p className="notice warn" role="alert" data-testid="needs-attention">
          <strong>Needs attention.</strong>{" "}
          {account.lastError ?? "The last sync failed and syncs are paused."}{" "}
          <Link href={`${base}/test`}>Test the connection</Link> once it is fixed: when the test
          passes the account is active again and its syncs resume.
        </p>
      )}
      <ol className="steps" aria-label="Wizard steps">
        <li className="complete">Provider</li>
        {WIZARD_STEPS.map((s, i) => (
          <li
            key={s}
            aria-current={s === step ? "step" : undefined}
            className={i < index ? "complete" : undefined}
          >
            {i <= index ? <Link href={`${base}/${s}`}>{stepTitles[s]}</Link> : stepTitles[s]}
          </li>
        ))}
      </ol>
      <section className="card stack-lg" aria-labelledby="step-title">
        <h2 id="step-title">{stepTitles[step]}</h2>
        <StepBody
          step={step}
          account={{ ...account, provider }}
          canopyAccountId={canopyAccountId}
          gcpIdentity={gcpIdentity}
          connectionCheck={connectionCheck}
          next={next ? `${base}/${next}` : "/"}
        />
      </section>
      {!["credentials", "test", "scope", "import", "done"].includes(step) && (
        <div className="row">
          {previous && (
            <Link className="button secondary" href={`${base}/${previous}`}>
              Back
            </Link>
          )}
          {next && (
            <Link className="button" href={`${base}/${next}`}>
              Continue
            </Link>
          )}
        </div>
      )}
    </main>
  );
}

type StepProps = {
  step: WizardStep;
  account: Awaited<ReturnType<typeof getAccount>> & { provider: PackProvider };
  canopyAccountId: string;
  gcpIdentity: CanopyGcpIdentity;
  connectionCheck: ConnectionCheck | null;
  next: string;
};

function StepBody({
  step,
  account,
  canopyAccountId,
  gcpIdentity,
  connectionCheck,
  next,
}: StepProps) {
  switch (step) {
    case "permissions":
      return (
        <>
          <p>
            Canopy only <strong>reads</strong> billing and usage data, never changes anything. These
            are the exact permissions, and why:
          </p>
          <table className="data">
            <thead>
              <tr>
                <th>Permission</th>
                <th>On</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {permissions[account.provider].map((p) => (
                <tr key={p.name}>
                  <td>
                    <code>{p.name}</code>
                  </td>
                  <td className="small">{p.on}</td>
                  <td className="small">{p.why}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      );
    case "setup":
      if (account.provider === "aws") {
        const options = { canopyAccountId, externalId: account.externalId ?? "" };
        return (
          <>
            <p>
              Create a read-only IAM role that Canopy&apos;s AWS account ({canopyAccountId}
              {canopyAccountId === "000000000000" && " — a placeholder: set CANOPY_AWS_ACCOUNT_ID"})
              may assume, only with your external ID{" "}
              <code data-testid="external-id">{account.externalId}</code>. Save the template as{" "}
              <code>canopy-readonly.yaml</code>:
            </p>
            <CopyBlock label="CloudFormation template" text={awsCloudFormationTemplate(options)} />
            <p>Deploy it and print the role ARN (you paste it in the next step):</p>
            <CopyBlock label="Deploy commands" text={awsDeployCommand()} />
            <details>
              <summary>Creating the role by hand instead: its trust policy</summary>
              <CopyBlock label="Trust policy" text={awsTrustPolicy(options)} />
            </details>
            <p>
              Billing data: a <strong>CUR 2.0</strong> export with hourly granularity, resource ids
              and Parquet files, to the bucket named in the template. Data Exports needs a bucket
              policy that lets it write there (only for this account&apos;s exports):
            </p>
            <CopyBlock
              label="Export bucket policy"
              text={awsExportBucketPolicy({ payerAccountId: account.providerAccountId })}
            />
            <p>
              Then create the export (the Data Exports API is in <code>us-east-1</code> whatever the
              bucket&apos;s region). It names exactly the columns Canopy reads:
            </p>
            <CopyBlock
              label="Export settings"
              text={awsExportCommands({ payerAccountId: account.providerAccountId })}
            />
            <p>
              <strong>CUR 2.0 via Athena (recommended, hourly):</strong> make the export queryable
              with a Glue crawler, then give its database and table in the next step. Without them
              Canopy starts with Cost Explorer (daily).
            </p>
            <CopyBlock label="Athena table" text={awsAthenaCommands()} />
          </>
        );
      }
      if (account.provider === "azure") {
        return (
          <>
            <p>
              Create a service principal with the built-in Cost Management Reader role, scoped to
              the subscription:
            </p>
            <CopyBlock label="Azure CLI commands" text={azureCommands(account.providerAccountId)} />
          </>
        );
      }
      return (
        <>
          <p>
            Canopy reads the <strong>detailed usage cost</strong> BigQuery billing export. Create a
            service account with exactly the three roles listed before:
          </p>
          <CopyBlock label="gcloud commands" text={gcpCommands(account.providerAccountId)} />
          <p>
            Or, without a key: <strong>workload identity federation</strong>. Your pool trusts
            Canopy&apos;s own identity, and you paste the credential configuration instead of a key:
          </p>
          <CopyBlock
            label="Workload identity federation"
            text={gcpWorkloadIdentityCommands(gcpIdentity)}
          />
          <p>Google&apos;s own carbon figures (optional, for Reconciliation):</p>
          <CopyBlock
            label="Carbon Footprint export"
            text={gcpCarbonFootprintCommands(account.providerAccountId)}
          />
        </>
      );
    case "credentials":
      return (
        <>
          {account.hasCredentials && (
            <p className="notice">
              Credentials are stored (encrypted). They are never shown again; submitting the form
              replaces them. <Link href={next}>Skip to the next step</Link>
            </p>
          )}
          <CredentialsForm accountId={account.id} provider={account.provider} next={next} />
        </>
      );
    case "test":
      return (
        <TestConnection
          accountId={account.id}
          provider={account.provider}
          initial={connectionCheck ?? { status: null, checkedAt: null, result: null }}
          next={next}
          importHref={`/accounts/${account.id}/import`}
        />
      );
    case "scope":
      return (
        <ScopeForm
          accountId={account.id}
          provider={account.provider}
          initial={
            account.scope ?? [
              ...new Set([
                account.providerAccountId,
                // What the connection test discovered, as a starting point.
                ...(connectionCheck?.result?.discovered ?? []).map((a) => a.id),
              ]),
            ]
          }
          next={next}
        />
      );
    case "import":
      return (
        <ImportUploader
          next={next}
          account={{
            id: account.id,
            provider: account.provider,
            providerAccountId: account.providerAccountId,
            displayName: account.displayName,
          }}
        />
      );
    case "done": {
      const refusal = finishRefusal(account, {
        status: connectionCheck?.status ?? null,
        message: connectionCheck?.result?.message ?? null,
      });
      return (
        <FinishStep
          accountId={account.id}
          status={account.status}
          lastError={account.lastError}
          blocked={refusal?.message ?? null}
          testHref={`/accounts/${account.id}/test`}
        />
      );
    }
  }
}
