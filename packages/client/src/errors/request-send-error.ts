/**
 * No answer at all: the connection was refused or reset, DNS failed, TLS failed. The retry policy
 * retries these; when it gives up, this is what the caller sees, naming the URL and the root cause.
 */

export class RequestSendError extends Error {
  override name = 'RequestSendError';
  /** The system error code of the root cause when there is one (`ECONNREFUSED`, `ENOTFOUND`, ...). */
  readonly errorCode: string | undefined;
  readonly url: string;
  /** How many attempts were made before giving up (1 until the retry policy says otherwise). */
  readonly attempts: number;

  constructor(method: string, url: string, cause: unknown, attempts = 1) {
    const root = rootCause(cause);
    super(`Could not send ${method} ${url}${attempts > 1 ? ` (${attempts} attempts)` : ''}: ${root.message}`, { cause });
    this.errorCode = root.code;
    this.url = url;
    this.attempts = attempts;
  }
}

export function isRequestSendError(error: unknown): error is RequestSendError {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RequestSendError';
}

/**
 * fetch reports `TypeError: fetch failed` and hides the useful part in `cause` (sometimes an
 * AggregateError, one error per address tried). Walk down to the most specific message and code.
 */
function rootCause(error: unknown): { message: string; code: string | undefined } {
  let current: unknown = error;
  let code: string | undefined;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const node = current as { message?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof node.code === 'string') code = node.code;
    if (typeof node.message === 'string' && node.message !== '') message = node.message;
    current = node.cause ?? (Array.isArray(node.errors) ? node.errors[0] : undefined);
  }
  if (code && !message.includes(code)) message = `${code} ${message}`;
  return { message, code };
}
