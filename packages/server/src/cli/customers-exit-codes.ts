/**
 * Exit codes of `pcapi customers ...`, one per kind of failure a script may want to handle
 * differently (fix the command, fix the credentials, give up on this customer, wait, retry later).
 * The table is data so `--help` and docs/client.md list exactly what the code does.
 */
import { isAuthenticationError, isPartnerCenterError, isRequestSendError } from '@pcapi/client';

export const EXIT = {
  success: 0,
  /** An error nobody planned for: a bug, or something the other codes do not cover. */
  unexpected: 1,
  usage: 2,
  authentication: 3,
  deniedOrNotFound: 4,
  throttled: 5,
  network: 6,
  serverError: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Shown by `--help` and in docs/client.md (a test keeps them equal). */
export const EXIT_CODE_TABLE: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.success, 'success: the organization is on stdout'],
  [EXIT.unexpected, 'unexpected error (a bug: please report it)'],
  [EXIT.usage, 'bad usage: unknown option, customer id not a GUID, missing or conflicting credentials, http:// without --allow-insecure'],
  [EXIT.authentication, 'authentication failed: the token endpoint refused the credentials, or the API answered 401'],
  [EXIT.deniedOrNotFound, 'access denied or not found: the API answered 403 or 404 (reasons on stderr)'],
  [EXIT.throttled, 'throttled: the API still answered 429 after the retries (--max-retries)'],
  [EXIT.network, 'network failure: the API or the token endpoint could not be reached (refused, reset, DNS, TLS), after the retries'],
  [EXIT.serverError, 'any other error answer: 5xx after the retries, 400, or a success whose body is unreadable'],
];

/** A failure the command has already put into words; `main.ts` prints the message and exits with the code. */
export class CustomersCommandError extends Error {
  override name = 'CustomersCommandError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** The exit code for an error thrown by `PartnerCenterClient.getCustomerOrganization`. */
export function exitCodeFor(error: unknown): ExitCode {
  if (isPartnerCenterError(error)) {
    if (error.statusCode === 401) return EXIT.authentication;
    if (error.statusCode === 403 || error.statusCode === 404) return EXIT.deniedOrNotFound;
    if (error.statusCode === 429) return EXIT.throttled;
    return EXIT.serverError;
  }
  if (isAuthenticationError(error)) {
    // No status: the token endpoint gave no answer at all, which is the network's fault, not the credentials'.
    return error.statusCode === undefined && isRequestSendError(error.cause) ? EXIT.network : EXIT.authentication;
  }
  if (isRequestSendError(error)) return EXIT.network;
  // Whatever else the call throws is about the answer it got (a 2xx body that is not organizations).
  return EXIT.serverError;
}
