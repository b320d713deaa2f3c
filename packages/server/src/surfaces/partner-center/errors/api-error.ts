import { ERROR_CATALOG, type ErrorName } from './catalog.js';

/** The one error type the pipeline throws; the error handler renders it from the catalog. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly errorName: ErrorName;
  /** Rendered as the body's `data`: denial reasons in words, or []. */
  readonly data: unknown[];
  /** Shown in WWW-Authenticate's error_description for 401s. */
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  /** The answer this error renders, when it renders one (a denial): for those told of the error. */
  answer: { memo: unknown } | undefined = undefined;

  constructor(errorName: ErrorName, data: unknown[] = [], detail?: string, headers: Record<string, string> = {}) {
    // An ApiError is an answer, not a fault: capturing a stack trace for each denial would cost more
    // than the rest of the request, and nothing ever reads it.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${errorName}: ${ERROR_CATALOG[errorName].description}${detail ? ` (${detail})` : ''}`);
    Error.stackTraceLimit = stackTraceLimit;
    this.errorName = errorName;
    this.data = data;
    this.detail = detail;
    this.headers = headers;
  }

  get status(): number {
    return ERROR_CATALOG[this.errorName].status;
  }
}
