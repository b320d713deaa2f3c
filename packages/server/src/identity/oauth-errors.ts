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

  body(correlationId: string) {
    const traceId = randomUUID();
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`,
      error_codes: [this.aadsts],
      timestamp: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      trace_id: traceId,
      correlation_id: correlationId,
    };
  }
}
