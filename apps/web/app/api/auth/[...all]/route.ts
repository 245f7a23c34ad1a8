import { handleAuthRequest } from "@/lib/server/auth-route";

// /api/auth/* – sign-up, sign-in, sessions and organizations (Better Auth), with the client address,
// per-account sign-in limit and origin check of lib/server/auth-route.ts.
export const GET = (request: Request) => handleAuthRequest(request);
export const POST = (request: Request) => handleAuthRequest(request);
