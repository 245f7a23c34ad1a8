/**
 * The clouds with a full energy model in the data pack: instance catalog, CPU coefficients, regions
 * with PUE, WUE, grid zone and contractual coverage (docs/methodology.md sections 2–10).
 */
export const packProviders = ["aws", "azure", "gcp"] as const;
export type PackProvider = (typeof packProviders)[number];

/**
 * Every provider a billing line can come from (the database's `cloud_provider` enum, every provider
 * filter): the pack's clouds, the clouds with a long-tail profile (docs/methodology.md section 2.12:
 * OCI, IBM Cloud, Alibaba Cloud), and `other` for any other FOCUS service provider, whose name is
 * kept in its account id.
 */
export const providers = [...packProviders, "oci", "ibm", "alibaba", "other"] as const;
export type Provider = (typeof providers)[number];

export function isPackProvider(provider: string): provider is PackProvider {
  return (packProviders as readonly string[]).includes(provider);
}

/** Display names, one spelling everywhere: dashboard, API labels, every report format. */
export const providerNames: Readonly<Record<Provider, string>> = {
  aws: "AWS",
  azure: "Azure",
  gcp: "GCP",
  oci: "OCI",
  ibm: "IBM Cloud",
  alibaba: "Alibaba Cloud",
  other: "Other",
};
