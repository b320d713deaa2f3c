/**
 * A seed file's problems, as one error, with nothing heavy to import: the CLI's error handling loads
 * it on every start, while the validator (Ajv and the compiled schema) loads only for a seed.
 */
import { escapeUnprintable } from '../terminal-text.js';

/** Problems shown in a message; the rest are counted (SeedError.problems keeps them all). */
const SHOWN_PROBLEMS = 20;
const MAX_PROBLEM_LENGTH = 1000;
/** Text from a file made safe for a terminal: unprintable characters as \uXXXX, long text cut. */
export function printable(text: string): string {
  const safe = escapeUnprintable(text);
  return safe.length > MAX_PROBLEM_LENGTH ? `${safe.slice(0, MAX_PROBLEM_LENGTH)}... (${safe.length - MAX_PROBLEM_LENGTH} more characters)` : safe;
}

export class SeedError extends Error {
  readonly problems: string[];

  constructor(readonly source: string, problems: string[]) {
    const safe = problems.map(printable);
    const more = safe.length - SHOWN_PROBLEMS;
    const shown = more > 0 ? [...safe.slice(0, SHOWN_PROBLEMS), `... and ${more} more problems`] : safe;
    // A source named in words ("the request body", "the seed given to startPcapi") is not a file.
    super(`${/^the /.test(source) ? source : `seed file ${printable(source)}`} is not valid:\n  ${shown.join('\n  ')}`);
    this.name = 'SeedError';
    this.problems = safe;
  }
}
