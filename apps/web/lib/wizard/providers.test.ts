import { describe, expect, it } from "vitest";
import {
  awsCloudFormationTemplate,
  awsTrustPolicy,
  azureCommands,
  gcpCommands,
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

  it("scopes the Azure service principal and names the GCP roles", () => {
    expect(azureCommands("sub-1")).toContain(
      '--role "Cost Management Reader" \\\n  --scopes /subscriptions/sub-1',
    );
    const gcp = gcpCommands("0123AB-456789-CDEF01");
    for (const role of [
      "roles/billing.viewer",
      "roles/bigquery.dataViewer",
      "roles/bigquery.jobUser",
    ])
      expect(gcp).toContain(role);
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
});
