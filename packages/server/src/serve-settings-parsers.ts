/**
 * The kinds of value a `pcapi serve` setting takes (serve-settings.ts): each turns the text of a flag or
 * variable into its value, or throws a SettingProblem saying what is wrong with it. The caller puts the
 * flag and the variable in front of the message.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { DatabaseLocation } from './config.js';
import { parseTrustedIssuer, type TrustedIssuer } from './identity/trusted-issuers.js';
import { readAtMost } from './read-at-most.js';
import type { ThrottleLimit } from './throttle/index.js';
import { parseIsoInstant } from './domain/iso-instant.js';

/** What relative paths are resolved against. */
export interface SettingContext {
  cwd: string;
}

/** A value a setting refuses; several messages when a list has several bad items. */
export class SettingProblem extends Error {
  override name = 'SettingProblem';
  readonly messages: string[];
  constructor(...messages: string[]) {
    super(messages.join('; '));
    this.messages = messages;
  }
}

export function wholeNumber(min: number, max: number) {
  return (raw: string): number => {
    const text = raw.trim();
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new SettingProblem(`"${raw}" is not a whole number from ${min} to ${max}`);
    return Number(text);
  };
}

/** `auto` (one per core) or a whole number. */
export function processCount(max: number) {
  const count = wholeNumber(1, max);
  return (raw: string): number => (raw.trim().toLowerCase() === 'auto' ? availableParallelism() : count(raw));
}

/** Seconds, to the millisecond (`0.5`), as milliseconds. */
export function secondsAsMs(minMs: number, maxMs: number) {
  return (raw: string): number => {
    const text = raw.trim();
    const ms = /^\d{1,7}(\.\d{1,3})?$/.test(text) ? Math.round(Number(text) * 1000) : NaN;
    if (!(ms >= minMs && ms <= maxMs)) throw new SettingProblem(`"${raw}" is not a number of seconds from ${minMs / 1000} to ${maxMs / 1000}`);
    return ms;
  };
}

/** A switch (`--metrics`, `--no-demo`) hands over a boolean, its variable a text. */
export function trueOrFalse(raw: string | boolean): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new SettingProblem(`"${raw}" is not true or false`);
}

/** One of `values`, in any case; `phrase` completes "… is not". */
export function oneOf<const Values extends readonly string[]>(values: Values, phrase = `one of ${values.join(', ')}`) {
  return (raw: string): Values[number] => {
    const text = raw.trim().toLowerCase();
    if (!values.includes(text)) throw new SettingProblem(`"${raw}" is not ${phrase}`);
    return text as Values[number];
  };
}

export function hostName(raw: string): string {
  const host = raw.trim();
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new SettingProblem(`"${host}" is not a host name or IP address`);
  return host;
}

export function folder(raw: string, { cwd }: SettingContext): string {
  return resolve(cwd, raw.trim());
}

/** A SQLite file (`sqlite:` optional, `:memory:`) or a PostgreSQL URL. */
export function databaseLocation(raw: string, { cwd }: SettingContext): DatabaseLocation {
  const text = raw.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      if (!url.hostname || url.pathname.length <= 1) throw new Error('it needs a host and a database name');
      return { kind: 'postgres', url: text };
    } catch (error) {
      throw new SettingProblem(`not a usable PostgreSQL URL (${error instanceof TypeError ? 'malformed' : (error as Error).message}); expected postgres://user@host:5432/database`);
    }
  }
  // Another database's URL (mysql://, redis://) would otherwise become a relative SQLite path.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
  if (scheme !== undefined) throw new SettingProblem(`a ${scheme}:// URL is not a store pcapi can use; expected a SQLite file (a path, sqlite:path or :memory:) or postgres://user@host:5432/database`);
  const file = text.replace(/^sqlite:/, '');
  return { kind: 'sqlite', file: file === ':memory:' || isAbsolute(file) ? file : resolve(cwd, file) };
}

/** An http(s) base URL without query or fragment, without its trailing slash. */
export function httpBaseUrl(raw: string): string {
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    if (url.search || url.hash) throw new Error('has a query or fragment');
    return url.toString().replace(/\/$/, '');
  } catch (error) {
    throw new SettingProblem(`"${raw}" is not an http(s) base URL (${(error as Error).message})`);
  }
}

export function redisUrl(raw: string): string {
  const text = raw.trim();
  try {
    const url = new URL(text);
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('not redis:// or rediss://');
    return text;
  } catch (error) {
    throw new SettingProblem(`not a Redis URL (${error instanceof TypeError ? 'malformed' : (error as Error).message}); expected redis://host:6379`);
  }
}

/** A certificate or key file (PEM): a few KiB; anything over this is not one. */
const MAX_FILE_BYTES = 1024 * 1024;

export function fileContents(raw: string, { cwd }: SettingContext): Buffer {
  let contents: Buffer | undefined;
  try {
    contents = readAtMost(resolve(cwd, raw), MAX_FILE_BYTES);
  } catch (error) {
    throw new SettingProblem(`cannot read ${raw} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (contents === undefined) throw new SettingProblem(`${raw} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB: not a PEM file`);
  return contents;
}

/** The path of a file that exists. */
export function existingFile(raw: string, { cwd }: SettingContext): string {
  const file = resolve(cwd, raw.trim());
  if (!existsSync(file)) throw new SettingProblem(`${raw} does not exist`);
  return file;
}

/** The flag may repeat; the variable separates issuers with commas or spaces. */
export function trustedIssuers(raw: string | string[]): TrustedIssuer[] {
  const texts = (Array.isArray(raw) ? raw : raw.split(/[\s,]+/)).filter((text) => text.trim() !== '');
  const issuers: TrustedIssuer[] = [];
  const problems: string[] = [];
  for (const text of texts) {
    try {
      issuers.push(parseTrustedIssuer(text));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new SettingProblem(...problems);
  return issuers;
}

/** `500/60` = 500 requests per 60 seconds; `0` = no limit. */
export function throttleLimit(raw: string): ThrottleLimit {
  const text = raw.trim();
  if (text === '0') return { requests: 0, perSeconds: 1 };
  const match = /^(\d{1,9})\/(\d{1,6})$/.exec(text);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw new SettingProblem(`"${text}" is not REQUESTS/SECONDS (e.g. 500/60) or 0 for no limit`);
  return { requests: Number(match[1]), perSeconds: Number(match[2]) };
}

export function emulatorKey(raw: string): string {
  const key = raw.trim();
  if (key.length < 16) throw new SettingProblem('the admin key must be at least 16 characters');
  return key;
}

/** An ISO 8601 date, or an instant with its offset, as epoch milliseconds. */
export function isoInstant(raw: string): number {
  const text = raw.trim();
  const ms = parseIsoInstant(text);
  if (!Number.isFinite(ms)) throw new SettingProblem(`"${text}" is not an ISO 8601 date or instant with its offset that exists (e.g. 2027-01-01T00:00:00Z)`);
  return ms;
}
