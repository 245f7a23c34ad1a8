import { auth } from "@/lib/server/auth";

// /api/auth/* – sign-up, sign-in, sessions and organizations (Better Auth).
export const GET = (request: Request) => auth().handler(request);
export const POST = (request: Request) => auth().handler(request);
