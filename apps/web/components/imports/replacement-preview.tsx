import { formatKg, formatMoney, formatNumber } from "@/lib/format";
import {
  formatDays,
  kindLabel,
  providerAccountLabel,
  type AccountReplacementView,
} from "@/lib/imports/versions";

const list = (items: readonly string[], max = 8) =>
  items.length === 0
    ? "none"
    : items.length > max
      ? `${items.slice(0, max).join(", ")} and ${items.length - max} more`
      : items.join(", ");

/**
 * What an import would replace (awaiting confirmation) or replaced, per account and UTC days: what is
 * stored now against what the file brings, the reasons it asks, and the kinds of source on each side.
 */
export function ReplacementPreview(props: {
  accounts: readonly AccountReplacementView[];
  labels: Record<string, string>;
  currency?: string | null;
}) {
  const money = (value: number) => formatMoney(value, props.currency ?? null);
  const kinds = (values: readonly string[]) => list(values.map((k) => kindLabel(props.labels, k)));
  return (
    <div className="stack-lg" data-testid="replacement-preview">
      {props.accounts.map((a) => (
        <div
          key={`${a.cloudAccountId}-${a.start}`}
          className="stack-lg"
          data-testid="replacement-account"
          data-account={a.providerAccountId}
        >
          <h3 className="small">
            {providerAccountLabel(a)} · {formatDays(a.start, a.end)} (UTC)
          </h3>
          <table className="data">
            <tbody>
              <tr data-testid="replacement-stored">
                <th scope="row">Stored now</th>
                <td>
                  {formatNumber(a.stored.rows, 0)} rows, cost {money(a.stored.costAmount)}, services{" "}
                  {list(a.stored.services)}, {formatNumber(a.stored.kwhFacility)} kWh,{" "}
                  {formatKg(a.stored.co2eLocationKg)} CO2e (location-based)
                </td>
                <td className="small muted">from {kinds(a.stored.sourceKinds)}</td>
              </tr>
              <tr data-testid="replacement-arriving">
                <th scope="row">This file</th>
                <td>
                  {formatNumber(a.arriving.rows, 0)} rows, cost {money(a.arriving.costAmount)},
                  services {list(a.arriving.services)}
                </td>
                <td className="small muted">from {kinds(a.arriving.sourceKinds)}</td>
              </tr>
            </tbody>
          </table>
          {a.reasons.length > 0 && (
            <ul data-testid="replacement-reasons">
              {a.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}
