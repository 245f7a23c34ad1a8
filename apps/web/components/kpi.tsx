/** One headline figure in a card: its label, the formatted value (raw value in data-value for tests), a note below. */
export function Kpi(props: {
  label: string;
  value: string;
  raw?: number;
  testId?: string;
  note?: string;
  children?: React.ReactNode;
}) {
  return (
    <section className="card kpi" aria-label={props.label}>
      <div className="label">{props.label}</div>
      <div className="figure" data-testid={props.testId} data-value={props.raw}>
        {props.value}
      </div>
      {props.note && <div className="small muted">{props.note}</div>}
      {props.children}
    </section>
  );
}
