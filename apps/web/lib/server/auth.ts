import "server-only";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { nextCookies } from "better-auth/next-js";
import { genericOAuth, organization } from "better-auth/plugins";
import { schema } from "@canopy/db";
import { CLIENT_ADDRESS_HEADER } from "../security/client-address";
import { authDb } from "./db";
import { allowedOrigins } from "./origin";
import { rateLimitStorage } from "./rate-limit";
import { authSecret, once, publicUrl, serverEnv } from "./env";
import {
  organizationAuditAfter,
  organizationAuditBefore,
  organizationHooks,
} from "./organization-audit";
import { accessControl, roles } from "../roles";
import { refuseUnlessSignUpAllowed } from "./sign-up-policy";
import { invitationLink, sendInvitationEmail } from "./invitation-email";

/**
 * Sign-in, sessions and organizations are Better Auth's: password hashing, cookies and rate limiting
 * come from the library. It uses the auth role, which can reach the sign-in tables and nothing else.
 */
const createAuth = () =>
  betterAuth({
    appName: "Canopy",
    baseURL: publicUrl(),
    trustedOrigins: allowedOrigins(),
    secret: authSecret(),
    database: drizzleAdapter(authDb().db, {
      provider: "pg",
      schema: {
        user: schema.users,
        session: schema.sessions,
        account: schema.authAccounts,
        verification: schema.verifications,
        organization: schema.tenants,
        member: schema.memberships,
        invitation: schema.invitations,
        rateLimit: schema.rateLimits,
      },
    }),
    emailAndPassword: { enabled: true, minPasswordLength: 10, autoSignIn: true },
    // CANOPY_SIGN_UP=invitation closes sign-up to everyone without a pending invitation.
    databaseHooks: {
      user: {
        create: { before: async (user) => void (await refuseUnlessSignUpAllowed(user.email)) },
      },
    },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    advanced: {
      database: { generateId: "uuid" },
      useSecureCookies: publicUrl().startsWith("https://"),
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
      // Set by the auth route from the socket's peer and CANOPY_TRUSTED_PROXIES, replacing any client
      // value (lib/server/auth-route.ts); a client-sent X-Forwarded-For is never read directly.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    rateLimit: {
      enabled: true,
      // rate_limits, fixed windows, one atomic upsert (lib/server/rate-limit.ts); shared with the
      // per-account sign-in limit.
      customStorage: rateLimitStorage,
      window: 60,
      max: 100,
      customRules: {
        "/sign-in/email": { window: 60, max: 5 },
        "/sign-up/email": { window: 60, max: 5 },
      },
    },
    // Organization, member and invitation changes: audited (one row each) and names/slugs checked,
    // whichever way they reach Better Auth (lib/server/organization-audit.ts).
    hooks: { before: organizationAuditBefore, after: organizationAuditAfter },
    plugins: [
      organization({
        ac: accessControl,
        roles,
        creatorRole: "owner",
        organizationHooks,
        // Refused in organizationAuditBefore with a 403 too: an organization's audit log goes with it.
        disableOrganizationDeletion: true,
        // Emailed through CANOPY_EMAIL_TRANSPORT (log, outbox or smtp); the admin also sees the link.
        sendInvitationEmail: async (data) => {
          console.log(
            `canopy-web: invitation ${data.id} for ${data.email} (${data.role}) to ${data.organization.name}: ${invitationLink(data.id)}`,
          );
          await sendInvitationEmail({
            id: data.id,
            email: data.email,
            role: data.role,
            organizationName: data.organization.name,
            inviter: data.inviter.user.name || data.inviter.user.email,
            expiresAt: new Date(data.invitation.expiresAt),
          });
        },
      }),
      ...(oidcProvider() ? [genericOAuth({ config: [oidcProvider()!] })] : []),
      nextCookies(),
    ],
    telemetry: { enabled: false },
    logger: { level: serverEnv().LOG_LEVEL === "debug" ? "debug" : "warn" },
  });

export const auth = once(createAuth);

/** The provider id in the callback URL: <public URL>/api/auth/callback/oidc. */
export const oidcProviderId = "oidc";

/**
 * The instance's OpenID Connect provider (CANOPY_OIDC_*), or null: authorization code flow with PKCE,
 * endpoints and signing keys from the issuer's discovery document, ID tokens verified against them
 * (never only decoded). New users pass the sign-up policy like any other (databaseHooks above).
 */
export function oidcProvider() {
  const env = serverEnv();
  if (!env.CANOPY_OIDC_ISSUER || !env.CANOPY_OIDC_CLIENT_ID || !env.CANOPY_OIDC_CLIENT_SECRET)
    return null;
  return {
    providerId: oidcProviderId,
    name: env.CANOPY_OIDC_NAME,
    discoveryUrl: `${env.CANOPY_OIDC_ISSUER.replace(/\/+$/, "")}/.well-known/openid-configuration`,
    requireIdTokenVerification: true,
    clientId: env.CANOPY_OIDC_CLIENT_ID,
    clientSecret: env.CANOPY_OIDC_CLIENT_SECRET,
    scopes: ["openid", "email", "profile"],
    pkce: true,
  };
}
