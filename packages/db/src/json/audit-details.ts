import { z } from "zod";

/**
 * audit_log.details: free-form on purpose. Each action records what it needs to explain itself
 * (which fields were set, what a deletion removed, from → to of a change), never secrets; the audit
 * page shows it as JSON and nothing reads a field of it. The one rule a stored value keeps: it is an
 * object keyed by name.
 */
export const auditDetailsSchema = z.record(z.string(), z.unknown());
export type AuditDetails = z.infer<typeof auditDetailsSchema>;
