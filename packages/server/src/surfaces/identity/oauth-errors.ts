/** OAuth 2.0 error responses shaped like Microsoft Entra's (RFC 6749 §5.2 plus AADSTS codes). */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isGuid } from '@pcapi/contracts';

/** The most characters of a request value an error description repeats. */
export const ECHO_LIMIT = 64;

/**
 * Control and formatting characters (C0, DEL, C1, line/paragraph separators, bidi and zero-width
 * marks): a description must not carry them back to a log or terminal that would act on them.
 */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * A request value as an error description may repeat it: at most ECHO_LIMIT characters (whole code
 * points, never half a surrogate pair), "…" marking a cut, control characters replaced by U+FFFD.
 */
export function echoed(value: string): string {
  const codePoints = Array.from(value);
  const kept = codePoints.length > ECHO_LIMIT ? `${codePoints.slice(0, ECHO_LIMIT).join('')}…` : value;
  return kept.replace(UNSAFE_CHARACTERS, '\uFFFD');
}

export type OAuthErrorCode =
  | 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope'
  | 'invalid_resource' | 'invalid_tenant' | 'unsupported_response_type' | 'access_denied' | 'login_required' | 'interaction_required'
  | 'authorization_pending' | 'authorization_declined' | 'expired_token' | 'bad_verification_code' | 'server_error' | 'temporarily_unavailable';

export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly description: string;

  constructor(
    readonly status: 400 | 401 | 429 | 500 | 502 | 503 | 504,
    readonly error: OAuthErrorCode,
    readonly aadsts: number,
    description: string,
    /** Entra's sub-error, by which MSAL tells "sign in again" (bad_token, consent_required, basic_action) from a failure. */
    readonly suberror?: 'bad_token' | 'consent_required' | 'basic_action',
  ) {
    // Values should reach a description through echoed(); this is the net for one that did not.
    const safe = description.replace(UNSAFE_CHARACTERS, '\uFFFD');
    super(safe);
    this.description = safe;
  }

  /** @param now epoch ms, from the server's clock */
  body(correlationId: string, now: number) {
    const traceId = randomUUID();
    const timestamp = new Date(now).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
      error: this.error,
      // Entra's lines: MSAL and tools show the first, the message.
      error_description: `AADSTS${this.aadsts}: ${this.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
      ...(this.suberror ? { suberror: this.suberror } : {}),
    };
  }
}

/**
 * The id MSAL gives a request (`client-request-id`, in the query of the token URL, a header or the
 * form), which Entra echoes as the error's `correlation_id` and in a header; only a GUID is taken.
 */
function clientRequestIdOf(request: FastifyRequest): string | undefined {
  const candidates = [
    (request.query as Record<string, unknown> | undefined)?.['client-request-id'],
    request.headers['client-request-id'],
    (request.body as Record<string, unknown> | undefined)?.['client-request-id'],
  ];
  const id = candidates.find((value): value is string => typeof value === 'string' && isGuid(value));
  return id?.toLowerCase();
}

/** An OAuth error as Entra answers it: no-store, its correlation_id the client's request id when it gave one (echoed in a header too). */
export function sendOAuthErrorBody(error: OAuthError, request: FastifyRequest, reply: FastifyReply, nowMs: number): FastifyReply {
  const clientRequestId = clientRequestIdOf(request);
  if (clientRequestId) reply.header('client-request-id', clientRequestId);
  const body = error.body(clientRequestId ?? request.correlationId, nowMs);
  return reply.code(error.status).header('cache-control', 'no-store').header('x-ms-request-id', body.trace_id).send(body);
}
