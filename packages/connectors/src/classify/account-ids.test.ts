import { describe, expect, it } from "vitest";
import { AccountIdError, canonicalAccountId, canonicalBillingAccountId, optionalBillingAccountId } from "./account-ids";
import { RowValueError } from "./cell-values";

describe("canonicalAccountId", () => {
  it.each([
    ["aws", "123456789012", "123456789012", undefined],
    ["aws", " 123456789012 ", "123456789012", undefined],
    ["aws", "12345678901", "012345678901", "account id 12345678901 had 11 digits; read as 012345678901"],
    ["aws", "7", "000000000007", "account id 7 had 1 digit; read as 000000000007"],
    ["azure", "64E355D7-997C-491D-B0C1-8414DCCFCF42", "64e355d7-997c-491d-b0c1-8414dccfcf42", undefined],
    ["azure", "/subscriptions/64e355d7-997c-491d-b0c1-8414dccfcf42", "64e355d7-997c-491d-b0c1-8414dccfcf42", undefined],
    ["azure", "/SUBSCRIPTIONS/64e355d7-997c-491d-b0c1-8414dccfcf42/resourceGroups/rg/providers/x", "64e355d7-997c-491d-b0c1-8414dccfcf42", undefined],
    ["azure", "subscriptions/{64e355d7-997c-491d-b0c1-8414dccfcf42}", "64e355d7-997c-491d-b0c1-8414dccfcf42", undefined],
    ["gcp", " Acme-Search-Prod ", "acme-search-prod", undefined],
    ["gcp", "example.com:legacy-project", "example.com:legacy-project", undefined],
  ] as const)("%s %j → %s", (provider, raw, id, warning) => {
    const result = canonicalAccountId(provider, raw);
    expect(result.id).toBe(id);
    expect(result.warning).toBe(warning);
  });

  it.each([
    ["aws", "", /AWS account id is empty/],
    ["aws", "1234567890123", /has 13 digits; an AWS account id has 12/],
    ["aws", "12345678901a", /is not a 12-digit account id \(digits only\)/],
    ["aws", "1234-5678-9012", /digits only/],
    ["azure", "sub-1", /"sub-1" is not a subscription GUID/],
    ["azure", "/subscriptions/", /is not a subscription GUID/],
    ["azure", "   ", /Azure subscription id is empty/],
    ["gcp", "", /GCP project id is empty/],
    ["gcp", "my project", /is not a project id/],
  ] as const)("%s %j is an error that refuses the file", (provider, raw, message) => {
    expect(() => canonicalAccountId(provider, raw)).toThrow(AccountIdError);
    expect(() => canonicalAccountId(provider, raw)).toThrow(RowValueError);
    expect(() => canonicalAccountId(provider, raw)).toThrow(message);
  });
});

it("keeps a shortened subscription id of hex digits as written, with a warning", () => {
  // The anonymised Azure EA sample has such ids; they still name one subscription consistently.
  expect(canonicalAccountId("azure", "F908573F-1142-4b3c-999999999999")).toEqual({
    id: "f908573f-1142-4b3c-999999999999",
    warning: 'Azure subscription id "F908573F-1142-4b3c-999999999999" is not a full subscription GUID; kept as written',
  });
});

describe("canonicalBillingAccountId", () => {
  it.each([
    ["aws", "836060457634", "836060457634"],
    ["aws", "36060457634", "036060457634"],
    ["azure", "8611537", "8611537"],
    ["azure", "/providers/Microsoft.Billing/billingAccounts/8611537", "8611537"],
    ["azure", "3c100a8a-215e-5a7e-24b2-61aa86945012", "3c100a8a-215e-5a7e-24b2-61aa86945012"],
    ["gcp", "010101-f0fff0-61c528", "010101-F0FFF0-61C528"],
  ] as const)("%s %j → %s", (provider, raw, id) => {
    expect(canonicalBillingAccountId(provider, raw).id).toBe(id);
  });

  it("leaves out an unreadable billing account with a warning instead of failing the line", () => {
    expect(optionalBillingAccountId("aws", "")).toBeUndefined();
    expect(optionalBillingAccountId("aws", "1234567890123")).toEqual({
      warning: 'AWS payer account id "1234567890123" has 13 digits; an AWS account id has 12; billing account left out',
    });
  });
});
