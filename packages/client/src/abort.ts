/**
 * Cancellation helpers. Every wait in the client (retry sleeps, shared token refreshes) goes through
 * these, so an aborted call rejects at once instead of when the wait would have ended.
 */

/** Thrown when a call is cancelled through its `abortSignal`. Checked by name, as `DOMException`'s is. */
export class AbortError extends Error {
  override name = 'AbortError';
}

export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export function abortErrorFor(signal: AbortSignal): AbortError {
  return new AbortError('The operation was aborted.', { cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortErrorFor(signal);
}

/** Resolves with `promise`, or rejects with an AbortError as soon as `signal` aborts (the promise runs on). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      promise.catch(() => {}); // the work goes on for other waiters; its failure is theirs to see
      reject(abortErrorFor(signal));
      return;
    }
    const onAbort = () => reject(abortErrorFor(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with an AbortError the moment `signal` aborts. */
export function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortErrorFor(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortErrorFor(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
