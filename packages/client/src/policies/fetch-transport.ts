/**
 * Last in the chain: sends the request with the platform's `fetch` and reads the whole body. Turns
 * "no answer" into a RequestSendError (which the retry policy retries) and a cancelled call into an
 * AbortError (which it does not).
 */
import { abortErrorFor } from '../abort.js';
import { RequestSendError } from '../errors/request-send-error.js';
import type { SendRequest } from '../pipeline.js';

export function fetchTransport(fetchImpl: typeof fetch = globalThis.fetch): SendRequest {
  return async (request) => {
    try {
      const response = await fetchImpl(request.url, { method: request.method, headers: request.headers, signal: request.abortSignal ?? null });
      // text() decodes UTF-8 and drops a leading byte-order mark, as the Fetch standard says.
      const bodyText = await response.text();
      return { request, status: response.status, statusText: response.statusText, headers: response.headers, bodyText };
    } catch (error) {
      if (request.abortSignal?.aborted) throw abortErrorFor(request.abortSignal);
      throw new RequestSendError(request.method, request.url, error);
    }
  };
}
