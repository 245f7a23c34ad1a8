/** UTC calendar days as YYYY-MM-DD strings. Pure: the web app's client code uses it too. */

const dayMs = 86_400_000;
export const toDay = (date: Date) => date.toISOString().slice(0, 10);
export const addDays = (day: string, days: number) =>
  toDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs));
export const monthStart = (day: string) => `${day.slice(0, 7)}-01`;
export function addMonths(day: string, months: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  return toDay(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)));
}

/** Calendar months wholly inside [from, to] (or ending after `today`: no later data can exist). */
export function fullMonths(range: { from: string; to: string }, today: string): string[] {
  const months: string[] = [];
  for (let m = monthStart(range.from); m <= range.to; m = addMonths(m, 1)) {
    const last = addDays(addMonths(m, 1), -1);
    if (m >= range.from && (last <= range.to || range.to >= today)) months.push(m);
  }
  return months;
}
