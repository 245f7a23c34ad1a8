import { PERMISSIONS, can, roleTitle, type Permission } from "@/lib/permissions";
import { ROLES } from "@/lib/role-rank";

/** What each role may do, straight from the permission table the server enforces. */
export function RolePermissions() {
  return (
    <section className="card table-wrap">
      <h2>What each role may do</h2>
      <table className="data" data-testid="role-permissions">
        <thead>
          <tr>
            <th>Permission</th>
            {ROLES.map((role) => (
              <th key={role}>{roleTitle(role)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(Object.keys(PERMISSIONS) as Permission[]).map((permission) => (
            <tr key={permission}>
              <td>
                {PERMISSIONS[permission].description} <code>{permission}</code>
              </td>
              {ROLES.map((role) => (
                <td key={role}>
                  {can(role, permission) ? "✓" : <span className="sr-only">no</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
