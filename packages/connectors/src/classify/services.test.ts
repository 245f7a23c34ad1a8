import { describe, expect, it } from "vitest";
import { canonicalService, serviceTable } from "./services";

describe("canonicalService", () => {
  it.each([
    ["aws", "AmazonEC2", "AmazonEC2"],
    ["aws", "Amazon Elastic Compute Cloud", "AmazonEC2"],
    ["aws", "Amazon Elastic Compute Cloud - Compute", "AmazonEC2"], // Cost Explorer
    ["aws", "EC2 - Other", "AmazonEC2"],
    ["aws", "amazon simple storage service", "AmazonS3"],
    ["aws", "AWS Key Management Service", "awskms"],
    ["aws", "AWS Step Functions", "AmazonStates"],
    ["aws", "Elastic Load Balancing", "AWSELB"],
    ["aws", "Red Hat OpenShift Service on AWS", "Red Hat OpenShift Service on AWS"], // unknown: unchanged
    ["azure", "Storage Accounts", "Storage"],
    ["azure", "Azure DB for MySQL", "Azure Database for MySQL"],
    ["azure", "Virtual Machines", "Virtual Machines"],
    ["azure", "Virtual Machine Scale Sets", "Virtual Machines"],
    ["gcp", "Stackdriver Logging", "Cloud Logging"],
    ["gcp", "6F81-5844-456A", "Compute Engine"],
    ["gcp", " Compute Engine ", "Compute Engine"],
    ["gcp", "Some New Service", "Some New Service"],
  ] as const)("%s %j → %s", (provider, name, canonical) => {
    expect(canonicalService(provider, name)).toBe(canonical);
  });

  it("is per provider: an AWS name means nothing for Azure", () => {
    expect(canonicalService("azure", "Amazon Simple Storage Service")).toBe("Amazon Simple Storage Service");
  });

  it("every table entry is its own canonical form and every alias maps onto it", () => {
    for (const entry of serviceTable) {
      expect(canonicalService(entry.provider, entry.name)).toBe(entry.name);
      for (const alias of entry.aliases) expect(canonicalService(entry.provider, alias), alias).toBe(entry.name);
    }
  });
});
