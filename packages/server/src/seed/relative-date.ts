/** Seed dates: ISO 8601 with a zone, or relative to the import ("now", "in 300 days", "10 days ago"). */

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  year: 365 * 86_400_000,
};

/**
 * The dates a seed may hold: years 0001 to 9999, which ISO 8601 writes without a sign and every store
 * accepts (PostgreSQL refuses "+010001-..." and "-017140-..."; JavaScript's Date fails past ±275,760).
 */
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');
const inRange = (ms: number) => ms >= EARLIEST && ms <= LATEST;

const RELATIVE = /^(?:in\s+(\d{1,6})\s+(minute|hour|day|week|year)s?|(\d{1,6})\s+(minute|hour|day|week|year)s?\s+ago)$/i;
const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Returns the ISO timestamp, or undefined when the text is neither form or falls outside years 0001-9999. */
export function resolveSeedDate(text: string, now: Date): string | undefined {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'now') return now.toISOString();
  const relative = RELATIVE.exec(trimmed);
  if (relative) {
    const [, inCount, inUnit, agoCount, agoUnit] = relative;
    const sign = inCount !== undefined ? 1 : -1;
    const count = Number(inCount ?? agoCount);
    const unit = (inUnit ?? agoUnit)!.toLowerCase();
    const ms = now.getTime() + sign * count * UNIT_MS[unit]!;
    return inRange(ms) ? new Date(ms).toISOString() : undefined;
  }
  const iso = ISO_WITH_ZONE.exec(trimmed);
  if (iso) {
    // Date would roll 2026-02-30 over to March; refuse fields that do not exist instead.
    const [year, month, day, hour, minute, second] = iso.slice(1, 7).map((field) => Number(field ?? 0)) as [number, number, number, number, number, number];
    const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const exists = local.getUTCFullYear() === year && local.getUTCMonth() === month - 1 && local.getUTCDate() === day &&
      local.getUTCHours() === hour && local.getUTCMinutes() === minute && local.getUTCSeconds() === second;
    const zone = iso[7]!;
    if (!exists || (zone !== 'Z' && (Number(zone.slice(1, 3)) > 14 || Number(zone.slice(4, 6)) > 59))) return undefined;
    const parsed = new Date(trimmed);
    if (inRange(parsed.getTime())) return parsed.toISOString();
  }
  return undefined;
}

/** Adds an ISO 8601 duration of years, months and days (P2Y, P730D, P1Y6M) to a timestamp; undefined past 9999-12-31. */
export function addIsoDuration(isoTimestamp: string, duration: string): string | undefined {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(duration);
  if (!match || duration === 'P') return undefined;
  const date = new Date(isoTimestamp);
  // Years and months first, clamping the day to the target month's last (Jan 31 + P1M = Feb 28), then days.
  const totalMonths = date.getUTCMonth() + Number(match[2] ?? 0) + 12 * Number(match[1] ?? 0);
  const year = date.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = totalMonths % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  date.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  date.setUTCDate(date.getUTCDate() + Number(match[3] ?? 0));
  return inRange(date.getTime()) ? date.toISOString() : undefined;
}

/** Length of a duration in days (months as 30, years as 365), for range checks. */
export function isoDurationDays(duration: string): number | undefined {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(duration);
  if (!match || duration === 'P') return undefined;
  return Number(match[1] ?? 0) * 365 + Number(match[2] ?? 0) * 30 + Number(match[3] ?? 0);
}
