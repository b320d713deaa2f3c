/**
 * The one error type for an answer from Partner Center (or pcapi) that is not a success. It carries
 * everything a support ticket needs: status, Partner Center code, description, the denial reasons in
 * `data`, and the request and correlation ids.
 */
import { HEADERS } from '@pcapi/contracts';
import type { PipelineResponse } from '../pipeline.js';
import { parseRetryAfterInMs } from '../retry-after.js';
import { parseErrorBody } from './parse-error-body.js';

export interface PartnerCenterErrorDetails {
  statusCode: number;
  code: number;
  description: string;
  data?: unknown[];
  source?: string | undefined;
  requestId?: string | undefined;
  correlationId?: string | undefined;
  retryAfterInMs?: number | undefined;
}

export class PartnerCenterError extends Error {
  override name = 'PartnerCenterError';
  /** The HTTP status. */
  readonly statusCode: number;
  /** Partner Center's error code (`900308`, `60003`, ...); the HTTP status when the body has none. */
  readonly code: number;
  readonly description: string;
  /** Partner Center's `data`: usually `[]`; pcapi lists each authorization check made. */
  readonly data: unknown[];
  /** `PartnerFD` on Partner Center's bodies; undefined for the gateway's. */
  readonly source: string | undefined;
  /** `MS-RequestId` of the failed call: quote it (with the correlation id) when reporting a problem. */
  readonly requestId: string | undefined;
  readonly correlationId: string | undefined;
  /** How long the service asked to wait (from `Retry-After`) on 429 and 503. */
  readonly retryAfterInMs: number | undefined;

  constructor(details: PartnerCenterErrorDetails) {
    const ids = [details.requestId && `MS-RequestId ${details.requestId}`, details.correlationId && `MS-CorrelationId ${details.correlationId}`].filter(Boolean);
    super(`Partner Center answered ${details.statusCode} (code ${details.code}): ${details.description}${ids.length ? ` [${ids.join(', ')}]` : ''}`);
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.description = details.description;
    this.data = details.data ?? [];
    this.source = details.source;
    this.requestId = details.requestId;
    this.correlationId = details.correlationId;
    this.retryAfterInMs = details.retryAfterInMs;
  }

  /** Builds the error from a non-success response; ids fall back to those the request sent. */
  /** @param description what the client found wrong with an answer whose status said success. */
  static fromResponse(response: PipelineResponse, description?: string): PartnerCenterError {
    const body = description === undefined
      ? parseErrorBody(response.status, response.bodyText, response.statusText)
      : { code: response.status, description, data: [], source: undefined };
    const header = (name: string) => response.headers.get(name) ?? response.request.headers.get(name) ?? undefined;
    return new PartnerCenterError({
      statusCode: response.status,
      ...body,
      requestId: header(HEADERS.requestId),
      correlationId: header(HEADERS.correlationId),
      retryAfterInMs: response.status === 429 || response.status === 503 ? parseRetryAfterInMs(response.headers) : undefined,
    });
  }
}

/**
 * True for a PartnerCenterError. Checks the name, not `instanceof`, so it holds when an application
 * ends up with two copies of this package.
 */
export function isPartnerCenterError(error: unknown): error is PartnerCenterError {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'PartnerCenterError';
}
