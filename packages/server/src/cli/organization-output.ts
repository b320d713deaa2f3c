/**
 * What `pcapi customers organization get` writes: the organizations on stdout (JSON or a table), and
 * failures in words on stderr. Text that came from the server is stripped of control characters, so
 * an answer cannot move the cursor or recolour the terminal it is printed on.
 */
import type { CustomerOrganization } from '@pcapi/client';
import { isAuthenticationError, isPartnerCenterError, isRequestSendError } from '@pcapi/client';

export type OutputFormat = 'json' | 'table';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'table'];

/** Table rows in reading order; fields the server adds later follow, in its order. */
const TABLE_FIELDS = ['displayName', 'street', 'city', 'state', 'postalCode', 'countryLetterCode', 'technicalNotificationMails'];

/** One line of text from the server, safe to print: controls (newlines included) become spaces. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cell).join(', ');
  if (typeof value === 'object') return printable(JSON.stringify(value));
  return printable(String(value));
}

/** The API's answer (a bare array), pretty-printed. */
export function formatJson(organizations: readonly CustomerOrganization[]): string {
  return `${JSON.stringify(organizations, null, 2)}\n`;
}

/** One "field  value" block per organization, blocks separated by a blank line. */
export function formatTable(organizations: readonly CustomerOrganization[]): string {
  return organizations
    .map((organization) => {
      const record = organization as unknown as Record<string, unknown>;
      const fields = [...TABLE_FIELDS.filter((name) => name in record), ...Object.keys(record).filter((name) => !TABLE_FIELDS.includes(name))];
      const width = Math.max(...fields.map((name) => printable(name).length));
      return fields.map((name) => `${printable(name).padEnd(width)}  ${cell(record[name])}`.trimEnd()).join('\n') + '\n';
    })
    .join('\n');
}

function reason(item: unknown): string {
  return typeof item === 'string' ? printable(item) : printable(JSON.stringify(item) ?? String(item));
}

/** Node trusts only its bundled CAs: a self-signed pcapi certificate needs NODE_EXTRA_CA_CERTS. */
function tlsHint(errorCode: string | undefined): string {
  return errorCode && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(errorCode)
    ? '\n  to trust a self-signed certificate, start the command with NODE_EXTRA_CA_CERTS=<cert.pem> in its environment'
    : '';
}

/**
 * A failure in words, for stderr (without the `pcapi: ` prefix main.ts adds): the first line says what
 * happened, then one line per reason in the error's `data`, then the ids to quote to support.
 */
export function describeFailure(error: unknown): string {
  if (isPartnerCenterError(error) && error.statusCode >= 200 && error.statusCode < 300) {
    // A success status whose body the client refused (not organizations): the description says why.
    const ids = [error.requestId && `MS-RequestId ${printable(error.requestId)}`, error.correlationId && `MS-CorrelationId ${printable(error.correlationId)}`].filter(Boolean);
    return [`unexpected answer: ${printable(error.description)}`, ...(ids.length > 0 ? [`  ${ids.join(', ')}`] : [])].join('\n');
  }
  if (isPartnerCenterError(error)) {
    const what =
      error.statusCode === 429 ? 'throttled' : error.statusCode === 401 ? 'not authenticated' : error.statusCode === 403 ? 'access denied' : error.statusCode === 404 ? 'not found' : 'the request failed';
    const lines = [`${what}: HTTP ${error.statusCode}, Partner Center code ${error.code}: ${printable(error.description)}`];
    for (const item of error.data) lines.push(`  ${reason(item)}`);
    if (error.retryAfterInMs !== undefined) lines.push(`  the service asks to wait ${Math.ceil(error.retryAfterInMs / 1000)} s (Retry-After) before trying again`);
    const ids = [error.requestId && `MS-RequestId ${printable(error.requestId)}`, error.correlationId && `MS-CorrelationId ${printable(error.correlationId)}`].filter(Boolean);
    if (ids.length > 0) lines.push(`  ${ids.join(', ')}`);
    return lines.join('\n');
  }
  if (isAuthenticationError(error)) {
    if (error.statusCode === undefined && isRequestSendError(error.cause)) return `could not reach the token endpoint: ${printable(error.cause.message)}${tlsHint(error.cause.errorCode)}`;
    return `could not get a token: ${printable(error.message)}`;
  }
  if (isRequestSendError(error)) return `could not reach Partner Center: ${printable(error.message)}${tlsHint(error.errorCode)}`;
  return `unexpected answer: ${printable(error instanceof Error ? error.message : String(error))}`;
}
