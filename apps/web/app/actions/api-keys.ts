"use server";
import { z } from "zod";
import { apiKeyCreateSchema } from "@/lib/api/schemas";
import { withTenantAction } from "@/lib/server/action";
import { createApiKey, revokeApiKey } from "@/lib/server/api-key-store";

/** Creates an organization API key; the key is in the result only, never stored in clear. */
export const createApiKeyAction = withTenantAction(
  apiKeyCreateSchema,
  async (input, ctx) => ctx.sql((client) => createApiKey(client, ctx.principal, input)),
  { permission: "apiKeys.manage" },
);

export const revokeApiKeyAction = withTenantAction(
  z.object({ id: z.uuid("Not a valid key id.") }),
  async (input, ctx) => ctx.sql((client) => revokeApiKey(client, ctx.principal, input.id)),
  { permission: "apiKeys.manage" },
);
