/**
 * A response body read up to a limit: this API's bodies are a few hundred bytes, so a body of
 * megabytes is a proxy or a server gone wrong, and must not fill the caller's memory.
 */
export const RESPONSE_LIMIT_BYTES = 1024 * 1024;

export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
  constructor(readonly statusCode: number, url: string, limit: number) {
    super(`${url} answered HTTP ${statusCode} with a body over ${limit / 1024} KiB; it was not read.`);
  }
}

/** The body as text (UTF-8, a leading byte-order mark dropped, as Response.text() does), or ResponseTooLargeError. */
export async function readBodyAtMost(response: Response, url: string, limit = RESPONSE_LIMIT_BYTES): Promise<string> {
  if (Number(response.headers.get('content-length')) > limit) {
    await response.body?.cancel();
    throw new ResponseTooLargeError(response.status, url, limit);
  }
  if (!response.body) return '';
  const decoder = new TextDecoder('utf-8');
  const reader = response.body.getReader();
  let text = '';
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new ResponseTooLargeError(response.status, url, limit);
    }
    text += decoder.decode(value, { stream: true });
  }
}
