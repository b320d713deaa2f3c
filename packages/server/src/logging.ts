/**
 * The one way pcapi builds its logger: pino JSON lines (one object per line, on stdout), or
 * pino-pretty's human-readable lines when asked or when stdout is a terminal. Secrets are redacted by
 * configuration, whatever logs them: headers, tokens, secrets, passwords and codes become
 * '[redacted]' under any of the names below, at the top of a line's object or in its headers, form, body or error.
 */
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { makeDirectory } from './make-directory.js';
import type { FastifyRequest } from 'fastify';
import type { LogFormat, LogLevel } from './config.js';

/** What is written in place of a redacted value. */
export const REDACTED = '[redacted]';

/**
 * Names whose values are never logged. Headers (authorization, cookies, the emulator's admin key),
 * OAuth fields as the token endpoint receives and answers them, and the same in camelCase as code names them.
 */
export const SECRET_FIELDS: readonly string[] = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-pcapi-admin-key',
  'access_token', 'refresh_token', 'id_token', 'assertion', 'client_assertion', 'client_secret',
  'password', 'code', 'device_code', 'user_code', 'code_verifier', 'token', 'secret',
  'accessToken', 'refreshToken', 'idToken', 'clientAssertion', 'clientSecret', 'deviceCode', 'userCode',
  'codeVerifier', 'adminKey', 'emulatorKey', 'privateKey', 'privateJwk',
];

/** A path segment as pino's redaction reads it: bracketed and quoted when it is not a plain name. */
const segment = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`);

/**
 * Where secrets could sit in a line's object: at its top, or in the objects lines carry headers,
 * forms, bodies and errors in. Named paths, not wildcards: pino's redaction pays for a wildcard on
 * every line (30 names under `*.` and `*.*.` took a request line from 3 to 200 µs; these 300 named
 * paths add under 1 µs). What sits elsewhere is caught by the suite's log scan (scripts/check-log-secrets.mjs).
 */
const SECRET_CONTAINERS = ['headers', 'req.headers', 'res.headers', 'request.headers', 'err', 'error', 'body', 'form', 'query', 'params'];

/** An error's `code` is Node's or PostgreSQL's (ECONNREFUSED, 57P01): worth keeping, and never an OAuth code. */
const keeps = (container: string, name: string) => name === 'code' && (container === 'err' || container === 'error');

export const REDACTED_PATHS: readonly string[] = SECRET_FIELDS.flatMap((name) => [
  segment(name).replace(/^\./, ''),
  ...SECRET_CONTAINERS.filter((container) => !keeps(container, name)).map((container) => `${container}${segment(name)}`),
]);

export interface LoggerOptions {
  level: LogLevel;
  /** json, pretty, or auto: pretty when the destination is stdout and stdout is a terminal. Default auto. */
  format?: LogFormat;
  /** Where lines go; stdout (written asynchronously, see below) unless given. */
  destination?: DestinationStream;
}

/** Whether lines will be pretty: asked for, or auto on a terminal. */
export function prettyWanted(format: LogFormat, toStdout: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && toStdout && process.stdout.isTTY === true);
}

/**
 * The logger for a server, a primary process or a test; undefined at level silent (Fastify then keeps
 * its no-op logger, which costs nothing per call).
 *
 * JSON to stdout goes through an asynchronous sonic-boom: a line is copied into a buffer and the
 * buffer is written when the previous write has finished, so a burst of lines costs one write per
 * batch, not one system call each, and a slow reader of stdout never stalls a request. pino flushes
 * what is buffered when the process exits. Pretty output is a synchronous stream in this thread: it is
 * for people at a terminal, and a worker transport would not survive the CLI's bundling.
 */
export function createLogger(options: LoggerOptions): Logger | undefined {
  if (options.level === 'silent') return undefined;
  const toStdout = options.destination === undefined;
  const destination = prettyWanted(options.format ?? 'auto', toStdout)
    ? pretty({ sync: true, colorize: toStdout && process.stdout.isTTY === true, destination: options.destination ?? 1 })
    : options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino({ level: options.level, redact: { paths: [...REDACTED_PATHS], censor: REDACTED } }, destination);
}

/** A file appended to synchronously, line by line (tests' log folder: nothing is lost when a test process ends abruptly). */
export function fileDestination(path: string): DestinationStream {
  makeDirectory(dirname(path));
  return pino.destination({ dest: path, sync: true, append: true });
}

/** The ids every line about a request carries: MS-RequestId and MS-CorrelationId. */
export function requestIds(request: FastifyRequest): { requestId: string; correlationId: string } {
  return { requestId: request.id, correlationId: request.correlationId };
}
