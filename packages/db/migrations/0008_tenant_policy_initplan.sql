ALTER POLICY "tenant_isolation" ON "api_keys" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "audit_log" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "cloud_accounts" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "emissions_daily" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "emissions_monthly" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "invitations" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "memberships" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "provider_reported_emissions" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "report_files" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "reports" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "sync_runs" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "tenants" TO canopy_app_role USING (id = (SELECT current_tenant_id())) WITH CHECK (id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "usage_hourly" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
ALTER POLICY "tenant_isolation" ON "emissions_hourly" TO canopy_app_role USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
