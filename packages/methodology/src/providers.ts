/** The clouds Canopy estimates (the database's `cloud_provider` enum, every provider filter and form). */
export const providers = ["aws", "azure", "gcp"] as const;
export type Provider = (typeof providers)[number];
