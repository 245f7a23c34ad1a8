export function Forbidden(props: { role: string; needs: string }) {
  return (
    <main>
      <section className="card" role="alert">
        <h1>Not available to your role</h1>
        <p className="muted">
          This page needs the {props.needs} role; yours is {props.role}. Ask an admin of the
          organization.
        </p>
      </section>
    </main>
  );
}
