/**
 * Retries what is worth retrying, and nothing else:
 * - 429 and 503: wait as long as `Retry-After` says (seconds or an HTTP date), else back off;
 * - other 5xx (except 501 and 505, which a retry cannot fix) and network failures: exponential
 *   backoff with jitter;
 * - 4xx: never, the same request would fail the same way.
 * Each attempt has `tryTimeoutInMs` to bring its whole answer (headers and body); one that takes longer
 * is cut and counts as no answer, so a server that accepts and never answers cannot hold a call forever.
 * The waits are abortable, so a cancelled call rejects at once, not when the wait ends.
 */
import { AttemptTimeoutError, attemptSignal, delay } from '../abort.js';
import { isRequestSendError, RequestSendError } from '../errors/request-send-error.js';
import type { PipelinePolicy, PipelineResponse } from '../pipeline.js';
import { parseRetryAfterInMs } from '../retry-after.js';

export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Base of the exponential backoff. Default 800 ms. */
  retryDelayInMs?: number;
  /** Longest single wait. A `Retry-After` longer than this is not waited out: the 429/503 is returned. Default 60 000 ms. */
  maxRetryDelayInMs?: number;
  /**
   * Longest one attempt may take, from sending the request to the last byte of the answer (the token it
   * needs included); a slower attempt is cut and retried like a dropped connection, and the last one
   * fails with a RequestSendError whose errorCode is `ETIMEDOUT`. Default 100 000 ms (as .NET's
   * HttpClient); 0: no limit.
   */
  tryTimeoutInMs?: number;
}

export const DEFAULT_RETRY_OPTIONS: Required<RetryOptions> = { maxRetries: 3, retryDelayInMs: 800, maxRetryDelayInMs: 60_000, tryTimeoutInMs: 100_000 };

const NOT_RETRIED_5XX = new Set([501, 505]);

function nonNegative(value: number | undefined, fallback: number): number {
  return value === undefined || !Number.isFinite(value) || value < 0 ? fallback : value;
}

export function retryPolicy(options: RetryOptions = {}): PipelinePolicy {
  const maxRetries = Math.floor(nonNegative(options.maxRetries, DEFAULT_RETRY_OPTIONS.maxRetries));
  const retryDelayInMs = nonNegative(options.retryDelayInMs, DEFAULT_RETRY_OPTIONS.retryDelayInMs);
  const maxRetryDelayInMs = nonNegative(options.maxRetryDelayInMs, DEFAULT_RETRY_OPTIONS.maxRetryDelayInMs);
  const tryTimeoutInMs = nonNegative(options.tryTimeoutInMs, DEFAULT_RETRY_OPTIONS.tryTimeoutInMs);

  /** Exponential backoff with "equal jitter": half fixed, half random, so clients don't retry in step. */
  const backoff = (retry: number): number => {
    const ceiling = Math.min(maxRetryDelayInMs, retryDelayInMs * 2 ** retry);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  };

  /** How long to wait before retrying this response, or undefined to hand it back as it is. */
  const waitFor = (response: PipelineResponse, retry: number): number | undefined => {
    if (response.status === 429 || response.status === 503) {
      const retryAfter = parseRetryAfterInMs(response.headers);
      if (retryAfter === undefined) return backoff(retry);
      return retryAfter <= maxRetryDelayInMs ? retryAfter : undefined;
    }
    if (response.status >= 500 && !NOT_RETRIED_5XX.has(response.status)) return backoff(retry);
    return undefined;
  };

  return {
    name: 'retry',
    async sendRequest(request, next) {
      for (let retry = 0; ; retry++) {
        let response: PipelineResponse;
        const attempt = attemptSignal(request.abortSignal, tryTimeoutInMs);
        try {
          response = await next(attempt.signal === request.abortSignal ? request : { ...request, abortSignal: attempt.signal });
        } catch (thrown) {
          // An attempt cut by its timeout (not by the caller) had no answer, whatever its stage reported.
          const error = attempt.timedOut() && !request.abortSignal?.aborted
            ? new RequestSendError(request.method, request.url, new AttemptTimeoutError(tryTimeoutInMs))
            : thrown;
          // Only failures to get any answer are retried; aborts, credential and policy errors are final.
          if (!isRequestSendError(error)) throw error;
          if (retry >= maxRetries) throw new RequestSendError(request.method, request.url, error.cause, retry + 1);
          await delay(backoff(retry), request.abortSignal);
          continue;
        } finally {
          attempt.dispose();
        }
        const wait = waitFor(response, retry);
        if (wait === undefined || retry >= maxRetries) return response;
        await delay(wait, request.abortSignal);
      }
    },
  };
}
