/**
 * Outbound fetches of another party's documents (a trusted issuer's discovery document and key set),
 * read up to a limit: a server that answers without end, or with megabytes, costs this server at most
 * the limit in memory and the timeout in time. Entra's documents are a few kilobytes.
 */
export const DOCUMENT_LIMIT_BYTES = 1024 * 1024;

export class ResponseTooLarge extends Error {}

/** Like `fetch`, but the body is read (and the connection released) before it returns, up to `limit` bytes. */
export async function fetchAtMost(url: string | URL, init: RequestInit, limit = DOCUMENT_LIMIT_BYTES): Promise<Response> {
  const response = await fetch(url, init);
  const tooLarge = () => new ResponseTooLarge(`${String(url)} answered more than ${limit / 1024} KiB`);
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  // A Response with one of these statuses cannot be built with a body, even an empty one.
  const body = [204, 205, 304].includes(response.status) ? null : Buffer.concat(chunks, total);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
