import { ERROR_CATALOG, type ErrorName } from './catalog.js';

/** The one error type the pipeline throws; the error handler renders it from the catalog. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly errorName: ErrorName,
    /** Rendered as the body's `data`: denial reasons in words, or []. */
    readonly data: unknown[] = [],
    /** Shown in WWW-Authenticate's error_description for 401s. */
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${errorName}: ${ERROR_CATALOG[errorName].description}${detail ? ` (${detail})` : ''}`);
  }

  get status(): number {
    return ERROR_CATALOG[this.errorName].status;
  }
}
