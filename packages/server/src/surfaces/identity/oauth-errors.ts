/** OAuth 2.0 error responses shaped like Microsoft Entra's (RFC 6749 §5.2 plus AADSTS codes). */
import { randomUUID } from 'node:crypto';

export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_resource' | 'invalid_tenant',
    readonly aadsts: number,
    readonly description: string,
  ) {
    super(description);
  }

  /** @param now epoch ms, from the server's clock */
  body(correlationId: string, now: number) {
    const traceId = randomUUID();
    const timestamp = new Date(now).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
    };
  }
}
