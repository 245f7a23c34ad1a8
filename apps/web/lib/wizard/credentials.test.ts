import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import {
  sealedCredentialsSchema,
  type SealedAwsCredentials,
  type SealedAzureCredentials,
  type SealedGcpCredentials,
} from "@canopy/db/json";
import {
  awsCredentialsSchema,
  azureCredentialsSchema,
  credentialsSchema,
  gcpCredentialsSchema,
} from "./credentials";

/** Keys a form outputs that the stored schema does not declare (they would be sealed unread). */
type Undeclared<Form extends z.ZodType, Stored> = Exclude<keyof z.output<Form>, keyof Stored>;

describe("the credentials forms output the stored (sealed) shape", () => {
  it("declares no field the stored schema lacks", () => {
    expectTypeOf<
      Undeclared<typeof awsCredentialsSchema, SealedAwsCredentials>
    >().toEqualTypeOf<never>();
    expectTypeOf<
      Undeclared<typeof azureCredentialsSchema, SealedAzureCredentials>
    >().toEqualTypeOf<never>();
    expectTypeOf<
      Undeclared<typeof gcpCredentialsSchema, SealedGcpCredentials>
    >().toEqualTypeOf<never>();
  });

  it("a submission's parsed output parses unchanged with the stored schema", () => {
    const submissions = [
      {
        provider: "aws",
        roleArn: " arn:aws:iam::123456789012:role/CanopyReadOnly ",
        exportBucket: "acme-cur",
        exportPrefix: "cur2/",
        athenaRegion: "eu-west-1",
        athenaDatabase: "cur",
        athenaTable: "cur2_data",
        athenaWorkGroup: "",
        athenaOutputLocation: "s3://acme-cur/athena-results/",
        athenaCarbonTable: "carbon_emissions",
        curExportName: "canopy-cur2",
      },
      {
        provider: "azure",
        directoryTenantId: "0f0f0f0f-1111-2222-3333-444444444444",
        clientId: "c1c1c1c1-5555-6666-7777-888888888888",
        clientSecret: "azure~SECRET.value",
        usageScope: "/providers/Microsoft.Management/managementGroups/acme",
        usageSource: "cost-details",
      },
      {
        provider: "gcp",
        serviceAccountKey: '{"type":"service_account","client_email":"a@b","private_key":"k"}',
        billingExportTable: "my-project.billing.gcp_billing_export_resource_v1_X",
        carbonExportTable: "my-project.carbon.carbon_footprint",
      },
    ];
    for (const submission of submissions) {
      const sealed = credentialsSchema.parse(submission);
      // Sealed as JSON, read back by the worker.
      const stored = sealedCredentialsSchema.parse(JSON.parse(JSON.stringify(sealed)));
      expect(stored).toEqual(sealed);
    }
  });

  it("the stored schema refuses a value missing what the worker needs, naming the field", () => {
    const incomplete = sealedCredentialsSchema.safeParse({
      provider: "azure",
      directoryTenantId: "0f0f0f0f-1111-2222-3333-444444444444",
      clientId: "c1c1c1c1-5555-6666-7777-888888888888",
    });
    expect(incomplete.success).toBe(false);
    expect(incomplete.error?.issues.map((issue) => issue.path.join("."))).toEqual(["clientSecret"]);
    expect(sealedCredentialsSchema.safeParse({ provider: "oci", roleArn: "x" }).success).toBe(
      false,
    );
  });
});
