/** Reporting periods: calendar months, quarters and years in UTC, as [start, end) date strings. */
export type PeriodKind = "month" | "quarter" | "year";

export type ReportPeriod = {
  kind: PeriodKind;
  /** First day, YYYY-MM-DD. */
  start: string;
  /** First day after the period, YYYY-MM-DD (exclusive). */
  end: string;
  /** "March 2026", "Q1 2026", "2026". */
  label: string;
};

const monthNames = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export class InvalidPeriodError extends Error {
  override name = "InvalidPeriodError";
}

/** "2026-03" (month), "2026-Q1" (quarter) or "2026" (year). */
export function parsePeriod(text: string): ReportPeriod {
  const trimmed = text.trim();
  let match = /^(\d{4})-(\d{2})$/.exec(trimmed);
  if (match) {
    const month = Number(match[2]);
    if (month < 1 || month > 12)
      throw new InvalidPeriodError(`Not a month: ${text} (expected YYYY-MM)`);
    return periodOf("month", Number(match[1]), month - 1);
  }
  match = /^(\d{4})-Q([1-4])$/i.exec(trimmed);
  if (match) return periodOf("quarter", Number(match[1]), (Number(match[2]) - 1) * 3);
  match = /^(\d{4})$/.exec(trimmed);
  if (match) return periodOf("year", Number(match[1]), 0);
  throw new InvalidPeriodError(
    `Not a period: ${JSON.stringify(text)} (expected YYYY-MM, YYYY-Qn or YYYY)`,
  );
}

/** The period of `kind` that starts at (year, month0); month0 is 0-based. */
export function periodOf(kind: PeriodKind, yearIn: number, month0In: number): ReportPeriod {
  const total = yearIn * 12 + month0In;
  const year = Math.floor(total / 12);
  const month0 = total - year * 12;
  if (year < 1970 || year > 9999) throw new InvalidPeriodError(`Year out of range: ${year}`);
  const months = kind === "month" ? 1 : kind === "quarter" ? 3 : 12;
  const first = kind === "year" ? 0 : kind === "quarter" ? Math.floor(month0 / 3) * 3 : month0;
  const start = isoDate(year, first);
  const end = isoDate(year, first + months);
  const label =
    kind === "month"
      ? `${monthNames[first]} ${year}`
      : kind === "quarter"
        ? `Q${first / 3 + 1} ${year}`
        : `${year}`;
  return { kind, start, end, label };
}

/** The period as the text parsePeriod reads ("2026-03", "2026-Q1", "2026"). */
export function periodKey(period: ReportPeriod): string {
  const [year, month] = period.start.split("-");
  if (period.kind === "month") return `${year}-${month}`;
  if (period.kind === "quarter") return `${year}-Q${(Number(month) - 1) / 3 + 1}`;
  return `${year}`;
}

/** A period from its stored bounds (reports.period_start / period_end). */
export function periodFromBounds(start: string, end: string): ReportPeriod {
  const [year, month] = start.split("-").map(Number) as [number, number];
  const months = monthsBetween(start, end).length;
  const kind: PeriodKind = months === 1 ? "month" : months === 3 ? "quarter" : "year";
  const period = periodOf(kind, year, month - 1);
  if (period.start !== start || period.end !== end) {
    throw new InvalidPeriodError(`Not a calendar month, quarter or year: ${start} – ${end}`);
  }
  return period;
}

export function shiftPeriod(
  period: ReportPeriod,
  by: { years?: number; periods?: number },
): ReportPeriod {
  const [year, month] = period.start.split("-").map(Number) as [number, number];
  const months = period.kind === "month" ? 1 : period.kind === "quarter" ? 3 : 12;
  return periodOf(period.kind, year + (by.years ?? 0), month - 1 + (by.periods ?? 0) * months);
}

/** First day of every month in [start, end), as YYYY-MM-DD. */
export function monthsBetween(start: string, end: string): string[] {
  const months: string[] = [];
  let [year, month] = start.split("-").map(Number) as [number, number];
  for (let day = isoDate(year, month - 1); day < end; day = isoDate(year, month - 1)) {
    months.push(day);
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return months;
}

/** YYYY-MM-DD of the first of month0 (0-based, may overflow into later years). */
export function isoDate(year: number, month0: number): string {
  return new Date(Date.UTC(year, month0, 1)).toISOString().slice(0, 10);
}

/** "Mar 2026" for a YYYY-MM-DD month start. */
export function shortMonthLabel(monthStart: string): string {
  const [year, month] = monthStart.split("-").map(Number) as [number, number];
  return `${monthNames[month - 1]!.slice(0, 3)} ${year}`;
}

/** The calendar month before `now` (UTC): what the scheduled report covers. */
export function previousMonth(now: Date): ReportPeriod {
  return periodOf("month", now.getUTCFullYear(), now.getUTCMonth() - 1);
}
