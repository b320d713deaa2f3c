/**
 * Text a store can hold: no U+0000 (PostgreSQL's text refuses it) and no unpaired surrogate (not
 * Unicode: written as UTF-8 it becomes U+FFFD, so what is read back differs from what was written).
 * Seed files and Graph bodies are checked alike.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What in `text` a store cannot hold, described ("U+0000 (a NUL character)"); undefined when nothing. */
export function unstorableCharacter(text: string): string | undefined {
  const found = UNSTORABLE.exec(text)?.[0];
  if (found === undefined) return undefined;
  return found === '\u0000' ? 'U+0000 (a NUL character)' : `an unpaired surrogate (U+${found.charCodeAt(0).toString(16).toUpperCase()})`;
}
