import { GridDatasetUpload } from "@/components/settings/grid-dataset-upload";
import { gridDatasetNoticeBody } from "@/lib/grid-notice";
import { listGridLoads } from "@/lib/server/grid-datasets";
import { isInstanceAdmin } from "@/lib/server/instance-admin";
import { requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : "–");

/**
 * The shared grid-intensity store: upload Electricity Maps hourly dataset files and see every load.
 * Reference data of the whole instance: only instance administrators (CANOPY_INSTANCE_ADMINS) see it.
 */
export default async function GridSettingsPage() {
  const scope = await requireMember();
  if (!isInstanceAdmin(scope.principal))
    return (
      <main>
        <h1>Grid intensity</h1>
        <p className="error" data-testid="grid-forbidden">
          Only an instance administrator (CANOPY_INSTANCE_ADMINS) manages the grid-intensity data
          every organization shares. From a shell:{" "}
          <code>pnpm canopy grid import &lt;files…&gt;</code>.
        </p>
      </main>
    );
  const loads = await listGridLoads();
  return (
    <main className="stack-lg">
      <h1>Grid intensity</h1>
      <p className="muted">
        Hourly carbon intensity per grid zone, shared by every organization of this Canopy instance.
        Upload the free yearly hourly files (one zone-year each, named like{" "}
        <code>DE_2025_hourly.csv</code>) from the{" "}
        <a href={gridDatasetNoticeBody.url}>Electricity Maps data portal</a>. A file is checked
        whole: a wrong column, another zone than its name, a gap, a duplicate hour or an intensity
        outside 0–2,000 gCO₂eq/kWh is refused with its line, and nothing of it is stored. From the
        command line: <code>pnpm canopy grid import &lt;files…&gt;</code>.
      </p>
      <p className="small">
        Data: {gridDatasetNoticeBody.attribution}. Licence: {gridDatasetNoticeBody.licence}.
      </p>
      <GridDatasetUpload />
      <h2>Loads</h2>
      {loads.length === 0 ? (
        <p className="muted">Nothing loaded yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Loaded (UTC)</th>
              <th>Source</th>
              <th>File or window</th>
              <th>Zones</th>
              <th>Hours from</th>
              <th>to</th>
              <th>Rows written</th>
              <th>Revised</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {loads.map((load) => (
              <tr key={load.id}>
                <td>{when(load.loadedAt)}</td>
                <td>
                  {load.source} ({load.sourceVersion})
                </td>
                <td>{load.label}</td>
                <td>{load.zones.join(", ")}</td>
                <td>{when(load.firstHour)}</td>
                <td>{when(load.lastHour)}</td>
                <td>{load.rowsWritten.toLocaleString("en-US")}</td>
                <td>{load.rowsRevised.toLocaleString("en-US")}</td>
                <td>{load.failure ? `failed: ${load.failure}` : "loaded"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
