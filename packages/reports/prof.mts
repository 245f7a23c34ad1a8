import { connect, databaseUrls } from "@canopy/db";
import { getReport, listReports, renderReport } from "/work/main/packages/reports/src/index.ts";
const urls = databaseUrls({ ownerUrl: "postgres://postgres@127.0.0.1:5432/canopy_bench_reports", rolePrefix: "canopy_bench_reports_r", appPassword: "canopy-bench-password" });
const owner = connect(urls.owner); const app = connect(urls.app);
const t = (await owner.pool.query("select id from tenants where slug='bench-corp'")).rows[0].id;
const actor = { userId: null, role: "finance" as const };
const [r] = await listReports(app, t, actor);
const { model } = await getReport(app, t, r!.id, actor);
for (let i = 0; i < 1; i++) { const s = performance.now(); await renderReport(model, "pdf"); console.log("pdf", (performance.now() - s) / 1000); }
const noAppendix = { ...model, content: { ...model.content, methodology: { ...model.content.methodology, markdown: "# x\n\nshort" } } };
for (let i = 0; i < 2; i++) { const s = performance.now(); await renderReport(noAppendix, "pdf"); console.log("pdf without appendix", (performance.now() - s) / 1000); }
await owner.close(); await app.close();
