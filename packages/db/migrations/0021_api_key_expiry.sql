ALTER TABLE "api_keys" ADD COLUMN "expires_at" timestamp with time zone;
--> statement-breakpoint
-- resolve_api_key also returns the expiry, so an expired key gets its own 401 ("expired on …");
-- a changed return type needs DROP + CREATE, and the grant again.
DROP FUNCTION IF EXISTS resolve_api_key(text);
--> statement-breakpoint
CREATE FUNCTION resolve_api_key(key_sha256 text)
  RETURNS TABLE (api_key_id uuid, tenant_id uuid, role member_role, expires_at timestamptz)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = public, pg_temp
AS $$
  SELECT id, api_keys.tenant_id, api_keys.role, api_keys.expires_at FROM api_keys
  WHERE key_hash = key_sha256 AND revoked_at IS NULL
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION resolve_api_key(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION resolve_api_key(text) TO canopy_app_role;
