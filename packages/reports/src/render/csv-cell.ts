/**
 * One CSV field (RFC 4180), safe to open in a spreadsheet: text that a spreadsheet would run as a
 * formula (starting with =, +, -, @, a tab or a carriage return: OWASP "CSV Injection") is prefixed
 * with a single quote so it shows as text. Plain numbers are left alone, so "-12.5" stays a number.
 * Tag values, account names and file names come from customers' bills: never trust them.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const text =
    /^[=+\-@\t\r]/.test(value) && !/^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/.test(value)
      ? `'${value}`
      : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
