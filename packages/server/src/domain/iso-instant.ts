/**
 * ISO 8601 dates and instants as users type them (`2027-01-01`, `2027-01-01T09:00Z`,
 * `2027-01-01T09:00:00.5+02:00`), read strictly: Date.parse rolls `2027-02-30` over to 2 March and reads
 * an instant without an offset in the machine's time zone, so both are refused here. A date alone
 * is midnight UTC.
 */
const ISO_DATE_OR_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/** Epoch milliseconds, or NaN for anything else; `instantOnly` refuses a date without a time. */
export function parseIsoInstant(text: string, { instantOnly = false } = {}): number {
  const match = ISO_DATE_OR_INSTANT.exec(text);
  if (!match) return NaN;
  const [, year, month, day, hour, minute, second = '0', offset, offsetHours = '0', offsetMinutes = '0'] = match;
  if (instantOnly && offset === undefined) return NaN;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  const exists = date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day)
    && Number(hour ?? 0) < 24 && Number(minute ?? 0) < 60 && Number(second) < 60 && Number(offsetHours) < 24 && Number(offsetMinutes) < 60;
  return exists ? Date.parse(offset === undefined ? `${text}T00:00:00Z` : text) : NaN;
}
