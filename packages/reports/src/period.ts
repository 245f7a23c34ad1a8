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

/** First and last month with emissions, as month starts (YYYY-MM-DD). */
export type DataSpan = { firstMonth: string; lastMonth: string };

export type PeriodChoices = {
  /** The month the form opens on: last month, or the last month with data when the data ends earlier. */
  defaultMonth: string;
  /** Bounds of the month picker (YYYY-MM). */
  firstMonth: string;
  lastMonth: string;
  /** Every quarter from the first with data to the latest, newest first (YYYY-Qn). */
  quarters: string[];
  /** Every year from the first with data to the latest, newest first (YYYY). */
  years: string[];
};

/**
 * The periods a report can be generated for: from the organization's first month with data (not a
 * fixed start) to the later of last month and its last month with data. Without data, last month only.
 */
export function periodChoices(span: DataSpan | null, now: Date): PeriodChoices {
  const previous = previousMonth(now).start;
  const first = span && span.firstMonth < previous ? span.firstMonth : previous;
  const last = span && span.lastMonth > previous ? span.lastMonth : previous;
  const defaultMonth = span && span.lastMonth < previous ? span.lastMonth : previous;
  const quarters: string[] = [];
  const years: string[] = [];
  for (const month of monthsBetween(
    first,
    isoDate(Number(last.slice(0, 4)), Number(last.slice(5, 7))),
  )) {
    const key = periodKey(
      periodOf("quarter", Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1),
    );
    if (quarters[0] !== key) quarters.unshift(key);
    if (years[0] !== month.slice(0, 4)) years.unshift(month.slice(0, 4));
  }
  return {
    defaultMonth: defaultMonth.slice(0, 7),
    firstMonth: first.slice(0, 7),
    lastMonth: last.slice(0, 7),
    quarters,
    years,
  };
}
