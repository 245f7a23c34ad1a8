import type { AlertFields, AlertKindDetails, AlertRow } from "@canopy/db";

type AlertLike = Pick<
  AlertFields,
  "scopeType" | "scopeLabel" | "basis" | "day" | "co2eKg" | "baselineCo2eKg"
> &
  AlertKindDetails & { id: string };

const kg = (value: number) =>
  `${value.toLocaleString("en-US", { maximumFractionDigits: value < 10 ? 2 : 0 })} kg CO2e`;

/** One line that says what happened, for the email subject, Slack's `text` and the page. */
export function alertHeadline(alert: AlertLike): string {
  if (alert.kind === "spike") {
    const percent = alert.baselineCo2eKg > 0 ? (alert.co2eKg / alert.baselineCo2eKg - 1) * 100 : 0;
    return `Emission spike: ${alert.scopeLabel} on ${alert.day}: ${kg(alert.co2eKg)}, ${percent.toFixed(0)} % above its usual ${kg(alert.baselineCo2eKg)} (${alert.basis}-based)`;
  }
  const name = alert.details.budgetName;
  const period = `${alert.details.periodStart} – ${alert.details.periodEnd}`;
  return alert.details.status === "over"
    ? `Budget exceeded: ${name} (${alert.scopeLabel}, ${period}): ${kg(alert.co2eKg)} spent of ${kg(alert.baselineCo2eKg)}`
    : `Budget forecast over: ${name} (${alert.scopeLabel}, ${period}): forecast ${kg(alert.co2eKg)} against ${kg(alert.baselineCo2eKg)}`;
}

const alertsUrl = (publicUrl: string) => `${publicUrl.replace(/\/$/, "")}/alerts`;

/**
 * The webhook body: Slack's incoming-webhook format (`text` plus `blocks`, so it posts as is to a
 * Slack or Mattermost URL) and the alert's data under `canopy` for other receivers.
 */
export function webhookBody(alert: AlertLike, organizationName: string, publicUrl: string): string {
  const headline = alertHeadline(alert);
  return JSON.stringify({
    text: `[${organizationName}] ${headline}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${organizationName}*\n${headline}` } },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `<${alertsUrl(publicUrl)}|Open alerts in Canopy>` }],
      },
    ],
    canopy: {
      alertId: alert.id,
      kind: alert.kind,
      scopeType: alert.scopeType,
      scope: alert.scopeLabel,
      basis: alert.basis,
      day: alert.day,
      co2eKg: alert.co2eKg,
      baselineCo2eKg: alert.baselineCo2eKg,
      details: alert.details,
    },
  });
}

export function alertEmail(options: {
  from: string;
  to: string[];
  organizationName: string;
  alert: AlertLike | AlertRow;
  publicUrl: string;
}) {
  const headline = alertHeadline(options.alert);
  return {
    from: options.from,
    to: options.to,
    subject: `Canopy alert (${options.organizationName}): ${headline}`,
    text: [
      headline,
      "",
      `Acknowledge or mute it on ${alertsUrl(options.publicUrl)}.`,
      options.alert.kind === "spike"
        ? "A spike is a day far above the same weekday of the previous weeks (method: docs/methodology.md §19.1)."
        : "The forecast extends the period's daily trend to its end (method: docs/methodology.md §19.2).",
    ].join("\n"),
  };
}
