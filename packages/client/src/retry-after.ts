/** Reads how long the service asked the client to wait, from `Retry-After` and its millisecond variants. */

/** Headers Azure services use for millisecond precision; checked before `Retry-After`. */
const MILLISECOND_HEADERS = ['retry-after-ms', 'x-ms-retry-after-ms'];

/**
 * `Retry-After` is either whole seconds (`120`) or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`),
 * RFC 9110 §10.2.3. Returns undefined when absent or unreadable; a date in the past means 0.
 */
export function parseRetryAfterInMs(headers: Headers, now: number = Date.now()): number | undefined {
  for (const name of MILLISECOND_HEADERS) {
    const value = headers.get(name)?.trim();
    if (value && /^\d+$/.test(value)) return Number(value);
  }
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only a date is left to try; Date.parse would also take "-5" or "2026" as one.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
