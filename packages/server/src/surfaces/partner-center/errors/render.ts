/** Renders catalog errors as Partner Center or gateway bodies, with the RFC 6750 challenge on 401s. */
import { ERROR_SOURCE, type GatewayErrorBody, type PartnerCenterErrorBody } from '@pcapi/contracts';
import { ERROR_CATALOG, type CatalogEntry } from './catalog.js';
import type { ApiError } from './api-error.js';

const MAX_DESCRIPTION = 1024;

export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: PartnerCenterErrorBody | GatewayErrorBody;
}

/** RFC 6750 quoted-string content: printable ASCII without `"` or `\`. */
function quotable(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, "'").slice(0, 300);
}

export function renderError(error: ApiError, options: { realm: string; explain: boolean }): RenderedError {
  const entry: CatalogEntry = ERROR_CATALOG[error.errorName];
  const headers: Record<string, string> = { ...error.headers };
  if (entry.status === 401) {
    const params = [`realm="${quotable(options.realm)}"`];
    if (entry.bearerError) {
      params.push(`error="${entry.bearerError}"`);
      if (error.detail && options.explain) params.push(`error_description="${quotable(error.detail)}"`);
    }
    headers['www-authenticate'] = `Bearer ${params.join(', ')}`;
  }
  const body =
    entry.body === 'gateway'
      ? { statusCode: entry.code, message: entry.description.replace('{retryAfter}', headers['retry-after'] ?? '') }
      : {
          code: entry.code,
          description: entry.description.slice(0, MAX_DESCRIPTION),
          data: options.explain || error.errorName === 'internal' ? error.data : [],
          source: ERROR_SOURCE,
        };
  return { status: entry.status, headers, body };
}
