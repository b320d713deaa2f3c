/** Header names as Partner Center spells them (HTTP header names are case-insensitive on the wire). */
export const HEADERS = {
  requestId: 'MS-RequestId',
  correlationId: 'MS-CorrelationId',
  correlationVector: 'MS-CV',
  serverId: 'MS-ServerId',
  contractVersion: 'MS-Contract-Version',
  locale: 'X-Locale',
  application: 'MS-PartnerCenter-Application',
  retryAfter: 'Retry-After',
} as const;

export const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const GUID_RE = new RegExp(GUID_PATTERN);

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && value.length === 36 && GUID_RE.test(value);
}
