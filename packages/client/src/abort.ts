/**
 * Cancellation helpers. Every wait in the client (retry sleeps, shared token refreshes) goes through
 * these, so an aborted call rejects at once instead of when the wait would have ended.
 */

/** Thrown when a call is cancelled through its `abortSignal`. Checked by name, as `DOMException`'s is. */
export class AbortError extends Error {
  override name = 'AbortError';
}

export function isAbortError(error: unknown): error is AbortError {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export function abortErrorFor(signal: AbortSignal): AbortError {
  return new AbortError('The operation was aborted.', { cause: signal.reason });
}

/** What an attempt that took longer than `tryTimeoutInMs` failed with (the cause of its RequestSendError). */
export class AttemptTimeoutError extends Error {
  override name = 'AttemptTimeoutError';
  /** As a socket timeout reports it, so `RequestSendError.errorCode` says what happened. */
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutInMs: number) {
    super(`no complete answer within ${timeoutInMs} ms (retryOptions.tryTimeoutInMs)`);
  }
}

/**
 * The signal for one attempt: aborted when the call's `outer` signal aborts, or after `timeoutInMs`
 * (0: never, and `outer` itself is used). `timedOut()` tells the two apart; `dispose()` stops the timer.
 */
export function attemptSignal(outer: AbortSignal | undefined, timeoutInMs: number): { signal: AbortSignal | undefined; timedOut(): boolean; dispose(): void } {
  // Longer than a timer can wait (it would fire at once): no limit.
  if (timeoutInMs <= 0 || timeoutInMs > 2 ** 31 - 1) return { signal: outer, timedOut: () => false, dispose: () => undefined };
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(outer!.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new AttemptTimeoutError(timeoutInMs));
  }, timeoutInMs);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
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
