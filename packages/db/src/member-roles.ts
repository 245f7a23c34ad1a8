/** Organization roles (the `member_role` enum of memberships, invitations and API keys). */
export const memberRoles = ["owner", "admin", "analyst", "finance", "viewer"] as const;
export type MemberRole = (typeof memberRoles)[number];
