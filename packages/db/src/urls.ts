import { loginRoleNames } from "./roles";

export type DatabaseUrls = { owner: string; app: string; auth: string };

export const DEV_APP_PASSWORD = "canopy-dev-password";

/**
 * The three connections Canopy uses: the owner (migrations, maintenance), the app role (tenant data
 * under RLS) and the auth role (sign-in tables). Unless given explicitly, app and auth log in to the
 * owner's server and database as the login roles `migrate` created.
 */
export function databaseUrls(options: {
  ownerUrl: string;
  appUrl?: string | undefined;
  authUrl?: string | undefined;
  rolePrefix: string;
  appPassword: string;
}): DatabaseUrls {
  const roles = loginRoleNames(options.rolePrefix);
  const as = (user: string) => {
    const url = new URL(options.ownerUrl);
    url.username = user;
    url.password = options.appPassword;
    return url.toString();
  };
  return {
    owner: options.ownerUrl,
    app: options.appUrl ?? as(roles.app),
    auth: options.authUrl ?? as(roles.auth),
  };
}
