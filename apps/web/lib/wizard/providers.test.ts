import { describe, expect, it } from "vitest";
import { cur2Columns, cur2ColumnsCanopyReads } from "@canopy/connectors/live";
import {
  awsAthenaCommands,
  awsExportBucketPolicy,
  awsExportColumns,
  awsExportCommands,
  awsCloudFormationTemplate,
  awsTrustPolicy,
  azureCommands,
  gcpCarbonFootprintCommands,
  gcpCommands,
  gcpWorkloadIdentityCommands,
  resumeStep,
} from "./providers";
import { credentialsSchema, scopeListSchema } from "./credentials";

describe("wizard content", () => {
  it("puts the generated external ID and Canopy's account in the AWS trust policy", () => {
    const options = { canopyAccountId: "111122223333", externalId: "canopy-abc" };
    const policy = JSON.parse(awsTrustPolicy(options));
    expect(policy.Statement[0].Principal.AWS).toBe("arn:aws:iam::111122223333:root");
    expect(policy.Statement[0].Condition.StringEquals["sts:ExternalId"]).toBe("canopy-abc");
    expect(awsCloudFormationTemplate(options)).toContain("sts:ExternalId: canopy-abc");
  });

  it("AWS export: the documented explicit column list (CUR 2.0 columns Canopy reads), us-east-1, the bucket policy and the Glue role", () => {
    const commands = awsExportCommands({ payerAccountId: "111122223333" });
    expect(commands).not.toContain("SELECT *");
    expect(commands).toContain("aws bcm-data-exports create-export --region us-east-1");
    const statement = /"QueryStatement": "SELECT (.+) FROM COST_AND_USAGE_REPORT"/.exec(
      commands,
    )?.[1];
    const columns = statement!.split(", ");
    expect(columns).toEqual([...awsExportColumns]);
    const published = new Set<string>(cur2Columns);
    expect(columns.filter((c) => !published.has(c))).toEqual([]);
    expect([...cur2ColumnsCanopyReads].filter((c) => !columns.includes(c))).toEqual([]);

    const policy = JSON.parse(
      awsExportBucketPolicy({ payerAccountId: "111122223333", bucket: "acme-cur" }),
    );
    const statementOfPolicy = policy.Statement[0];
    expect(statementOfPolicy.Principal.Service).toEqual([
      "billingreports.amazonaws.com",
      "bcm-data-exports.amazonaws.com",
    ]);
    expect(statementOfPolicy.Action).toEqual(["s3:PutObject", "s3:GetBucketPolicy"]);
    expect(statementOfPolicy.Resource).toEqual([
      "arn:aws:s3:::acme-cur",
      "arn:aws:s3:::acme-cur/*",
    ]);
    expect(statementOfPolicy.Condition.StringLike["aws:SourceAccount"]).toBe("111122223333");

    const athena = awsAthenaCommands();
    expect(athena).toContain('"Principal": { "Service": "glue.amazonaws.com" }');
    expect(athena).toContain("policy/service-role/AWSGlueServiceRole");
    expect(athena).toContain("--role CanopyCurCrawler");
    expect(awsCloudFormationTemplate({ canopyAccountId: "1", externalId: "x" })).toContain(
      "sustainability:GetEstimatedCarbonEmissions",
    );
    // Measured utilization: the role may read CloudWatch metrics, and the wizard says why.
    expect(awsCloudFormationTemplate({ canopyAccountId: "1", externalId: "x" })).toContain(
      "- cloudwatch:GetMetricData",
    );
    expect(azureCommands("sub-1")).toContain(
      '--role "Monitoring Reader" \\\n  --scope /subscriptions/sub-1',
    );
    expect(gcpCommands("0123AB-456789-CDEF01")).toContain("--role roles/monitoring.viewer");
    // The role reads the Athena result object; GetQueryResults is no longer used.
    expect(awsCloudFormationTemplate({ canopyAccountId: "1", externalId: "x" })).not.toContain(
      "GetQueryResults",
    );
  });

  it("scopes the Azure service principal and names the GCP roles", () => {
    expect(azureCommands("sub-1")).toContain(
      '--role "Cost Management Reader" \\\n  --scopes /subscriptions/sub-1',
    );
    expect(azureCommands("sub-1")).toContain(
      '--role "Carbon Optimization Reader" \\\n  --scope /subscriptions/sub-1',
    );
    expect(azureCommands("sub-1")).toContain("login.microsoftonline.com");
    // The storage-export option is not read live: not offered.
    expect(azureCommands("sub-1")).not.toContain("Storage Blob Data Reader");
    const gcp = gcpCommands("0123AB-456789-CDEF01");
    for (const role of [
      "roles/billing.viewer",
      "roles/bigquery.dataViewer",
      "roles/bigquery.jobUser",
    ])
      expect(gcp).toContain(role);
  });

  it("GCP: workload identity federation steps name Canopy's identity; the Carbon Footprint transfer is spelled out", () => {
    const wif = gcpWorkloadIdentityCommands({
      issuer: "https://oidc.canopy.example",
      subject: "system:serviceaccount:canopy:worker",
      audience: "canopy-gcp",
    });
    expect(wif).toContain('--issuer-uri "https://oidc.canopy.example"');
    expect(wif).toContain('--allowed-audiences "canopy-gcp"');
    expect(wif).toContain("assertion.sub == 'system:serviceaccount:canopy:worker'");
    expect(wif).toContain("--role roles/iam.workloadIdentityUser");
    expect(wif).toContain(
      "principal://iam.googleapis.com/projects/$PROJECT_NUMBER/locations/global/workloadIdentityPools/canopy-pool/subject/system:serviceaccount:canopy:worker",
    );
    expect(wif).toContain("create-cred-config");
    expect(wif).toContain('--service-account "$SA"');
    expect(gcpWorkloadIdentityCommands()).toContain("ask your Canopy operator");
    const carbon = gcpCarbonFootprintCommands("0123AB-456789-CDEF01");
    expect(carbon).toContain("--data_source 61cede5a-0000-2440-ad42-883d24f8f7b8");
    expect(carbon).toContain(`--params '{"billing_accounts":"0123AB-456789-CDEF01"}'`);
    expect(carbon).toContain("bq mk --transfer_run");
    expect(carbon).toContain("carbon_footprint_export.carbon_footprint");
    expect(gcpCommands("0123AB-456789-CDEF01")).toContain("oauth2.googleapis.com");
  });

  it("GCP credentials: a key or a federation configuration whose endpoints are Google's", () => {
    const base = {
      provider: "gcp",
      billingExportTable: "my-project.billing.gcp_billing_export_resource_v1_X",
    };
    const config = {
      type: "external_account",
      audience:
        "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/canopy-pool/providers/canopy-oidc",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: "https://sts.googleapis.com/v1/token",
      service_account_impersonation_url:
        "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/canopy-reader@p.iam.gserviceaccount.com:generateAccessToken",
      credential_source: { file: "/var/run/secrets/canopy/gcp-subject-token" },
    };
    const parse = (change: Record<string, unknown>) =>
      credentialsSchema.safeParse({
        ...base,
        serviceAccountKey: JSON.stringify({ ...config, ...change }),
      });
    expect(parse({}).success).toBe(true);
    const refused = (change: Record<string, unknown>, message: RegExp) => {
      const result = parse(change);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(message);
    };
    refused({ token_url: "https://attacker.example/token" }, /token_url must be/);
    refused(
      { service_account_impersonation_url: "https://attacker.example/x:generateAccessToken" },
      /service_account_impersonation_url must be/,
    );
    refused({ subject_token_type: "urn:ietf:params:aws:token-type:aws4_request" }, /OIDC/);
    refused({ audience: "canopy" }, /audience/);
    refused({ type: "authorized_user" }, /neither a service account key/);
  });

  it("resumes where the account row says", () => {
    expect(resumeStep({ hasCredentials: false, scope: null, status: "pending" })).toBe(
      "permissions",
    );
    expect(resumeStep({ hasCredentials: true, scope: null, status: "pending" })).toBe("test");
    expect(resumeStep({ hasCredentials: true, scope: ["1"], status: "pending" })).toBe("import");
    expect(resumeStep({ hasCredentials: true, scope: ["1"], status: "active" })).toBe("done");
  });

  it("validates credentials and scope", () => {
    expect(
      credentialsSchema.safeParse({
        provider: "gcp",
        serviceAccountKey: '{"type":"service_account","client_email":"a@b","private_key":"k"}',
        billingExportTable: "my-project.billing.gcp_billing_export_resource_v1_X",
      }).success,
    ).toBe(true);
    expect(scopeListSchema.parse(" a, b\nb ")).toEqual(["a", "b"]);
  });

  it("takes an optional Azure billing scope and usage source: empty means the subscription through the Query API", () => {
    const base = {
      provider: "azure",
      directoryTenantId: "0f0f0f0f-1111-2222-3333-444444444444",
      clientId: "c1c1c1c1-5555-6666-7777-888888888888",
      clientSecret: "azure~SECRET.value",
    };
    const empty = credentialsSchema.parse({ ...base, usageScope: " ", usageSource: "" });
    expect(JSON.stringify(empty)).not.toContain("usage");
    expect(
      credentialsSchema.parse({
        ...base,
        usageScope:
          " /providers/Microsoft.Billing/billingAccounts/1234:abcd_2019-05-31/billingProfiles/AB12-CD34 ",
        usageSource: "cost-details",
      }),
    ).toMatchObject({
      usageScope:
        "providers/Microsoft.Billing/billingAccounts/1234:abcd_2019-05-31/billingProfiles/AB12-CD34",
      usageSource: "cost-details",
    });
    const bad = credentialsSchema.safeParse({
      ...base,
      usageScope: "resourceGroups/rg",
      usageSource: "hourly",
    });
    expect(bad.error?.issues.map((i) => i.path.join(".")).sort()).toEqual([
      "usageScope",
      "usageSource",
    ]);
  });

  it("takes the optional CUR 2.0 Athena fields for AWS: empty means Cost Explorer, half-filled is refused", () => {
    const base = {
      provider: "aws",
      roleArn: "arn:aws:iam::123456789012:role/CanopyReadOnly",
      exportBucket: "acme-cur",
    };
    const empty = credentialsSchema.parse({
      ...base,
      athenaDatabase: "",
      athenaTable: " ",
      athenaOutputLocation: "",
    });
    // Sealed as JSON: unset fields leave no trace, so the account reads Cost Explorer.
    expect(JSON.stringify(empty)).not.toContain("athena");
    expect(
      credentialsSchema.parse({
        ...base,
        athenaRegion: "eu-west-1",
        athenaDatabase: "cur",
        athenaTable: "cur2_data",
        athenaWorkGroup: "primary",
        athenaOutputLocation: "s3://acme-cur/athena-results/",
        athenaCarbonTable: "carbon_emissions",
      }),
    ).toMatchObject({ athenaDatabase: "cur", athenaTable: "cur2_data", athenaRegion: "eu-west-1" });
    const half = credentialsSchema.safeParse({ ...base, athenaDatabase: "cur" });
    expect(half.success).toBe(false);
    expect(half.error?.issues.map((i) => i.path.join("."))).toEqual(["athenaTable"]);
    const bad = credentialsSchema.safeParse({
      ...base,
      athenaRegion: "Ireland",
      athenaDatabase: "cur; DROP",
      athenaTable: "t",
      athenaOutputLocation: "https://x",
    });
    expect(bad.error?.issues.map((i) => i.path.join(".")).sort()).toEqual([
      "athenaDatabase",
      "athenaOutputLocation",
      "athenaRegion",
    ]);
  });
});
