import { roleTitle, whoMay, type Permission } from "@/lib/permissions";
import type { RoleName } from "@/lib/role-rank";

export function Forbidden(props: { role: RoleName; needs: Permission }) {
  return (
    <main>
      <section className="card" role="alert">
        <h1>Not available to your role</h1>
        <p className="muted">
          This page needs the {props.needs} permission, which {whoMay(props.needs)} have; your role
          is {roleTitle(props.role)}. Ask an admin of the organization.
        </p>
      </section>
    </main>
  );
}
