/**
 * A token request that failed. Mirrors `@azure/identity`'s AuthenticationError: the status and the
 * parsed OAuth error body (`invalid_client`, `AADSTS7000215: ...`), so the message says what to fix.
 */

/** Microsoft Entra's OAuth 2.0 error body, camel-cased. */
export interface OAuthErrorResponse {
  error: string;
  errorDescription: string;
  errorCodes?: number[] | undefined;
  timestamp?: string | undefined;
  traceId?: string | undefined;
  correlationId?: string | undefined;
}

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  /** HTTP status of the token endpoint's answer; undefined when it could not be reached. */
  readonly statusCode: number | undefined;
  readonly errorResponse: OAuthErrorResponse | undefined;

  constructor(message: string, statusCode?: number, errorResponse?: OAuthErrorResponse, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.statusCode = statusCode;
    this.errorResponse = errorResponse;
  }
}

export function isAuthenticationError(error: unknown): error is AuthenticationError {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AuthenticationError';
}

/** Reads Entra's `{error, error_description, error_codes, timestamp, trace_id, correlation_id}`. */
export function parseOAuthError(bodyText: string): OAuthErrorResponse | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyText.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.error !== 'string') return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    error: b.error,
    errorDescription: text(b.error_description) ?? '',
    errorCodes: Array.isArray(b.error_codes) ? b.error_codes.filter((c): c is number => typeof c === 'number') : undefined,
    timestamp: text(b.timestamp),
    traceId: text(b.trace_id),
    correlationId: text(b.correlation_id),
  };
}
