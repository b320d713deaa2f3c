/**
 * Last in the chain: sends the request with the platform's `fetch` and reads the body (up to 1 MiB). Turns
 * "no answer" into a RequestSendError (which the retry policy retries) and a cancelled call into an
 * AbortError (which it does not).
 */
import { abortErrorFor } from '../abort.js';
import { RequestSendError } from '../errors/request-send-error.js';
import type { SendRequest } from '../pipeline.js';
import { readBodyAtMost, ResponseTooLargeError } from '../read-body-at-most.js';

export function fetchTransport(fetchImpl: typeof fetch = globalThis.fetch): SendRequest {
  return async (request) => {
    try {
      // Redirects are not followed: Partner Center does not redirect this call, and a redirect would
      // take the bearer token, or an answer that is not Partner Center's, elsewhere. A 3xx is an error.
      const response = await fetchImpl(request.url, { method: request.method, headers: request.headers, signal: request.abortSignal ?? null, redirect: 'manual' });
      const bodyText = await readBodyAtMost(response, request.url);
      return { request, status: response.status, statusText: response.statusText, headers: response.headers, bodyText };
    } catch (error) {
      if (request.abortSignal?.aborted) throw abortErrorFor(request.abortSignal);
      if (error instanceof ResponseTooLargeError) throw error;
      throw new RequestSendError(request.method, request.url, error);
    }
  };
}
