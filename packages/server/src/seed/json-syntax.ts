/**
 * Describes why text is not JSON, or bytes not UTF-8, by position and in words. JSON.parse's own
 * messages quote the input ("Unexpected token '\x89', "\x89PNG..." is not valid JSON") and often give
 * no position; these never echo more than one character, and name control characters and stray bytes
 * by their code, so a binary file cannot write escape sequences to a terminal.
 */

/** The first offset at which `bytes` stop being well-formed UTF-8, or -1 (RFC 3629: no overlongs, surrogates or values past U+10FFFF). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Length of the sequence and the allowed range of its second byte (which rules out overlongs and surrogates).
    let length: number;
    let [low, high] = [0x80, 0xbf];
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const byte = bytes[i + k];
      if (byte === undefined) return i;
      if (k === 1 ? byte < low || byte > high : byte < 0x80 || byte > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

const hex = (value: number, digits: number) => value.toString(16).toUpperCase().padStart(digits, '0');

/** `not valid JSON: unexpected byte 0x89 at line 1, column 1 (not UTF-8 text); is this a seed file?`, or undefined for UTF-8. */
export function describeInvalidUtf8(bytes: Uint8Array, lineNumber?: number): string | undefined {
  const offset = firstInvalidUtf8(bytes);
  if (offset < 0) return undefined;
  const before = Buffer.from(bytes.buffer, bytes.byteOffset, offset);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  const line = lineNumber ?? countNewlines(before) + 1;
  const column = before.subarray(lineStart).toString('utf8').length + 1;
  return `not valid JSON: unexpected byte 0x${hex(bytes[offset]!, 2)} at ${lineNumber === undefined ? `line ${line}, ` : ''}column ${column} (not UTF-8 text); is this a seed file?`;
}

function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (const byte of bytes) if (byte === 0x0a) count++;
  return count;
}

/** What stands at `offset`, safe to print: `'}'`, `end of file`, `control character U+001B`, `character U+00E9`. */
function found(text: string, offset: number): string {
  if (offset >= text.length) return 'end of file';
  const code = text.codePointAt(offset)!;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `control character U+${hex(code, 4)}`;
  if (code < 0x7f) return `character '${String.fromCodePoint(code)}'`;
  return `character U+${hex(code, 4)}`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Where JSON text goes wrong and what was expected there; undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): { offset: number; expected: string } | undefined {
  let i = 0;
  const stack: string[] = [];
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = (): { offset: number; expected: string } | undefined => {
    i++;
    for (;;) {
      if (i >= text.length) return { offset: i, expected: 'a closing \'"\'' };
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return undefined;
      }
      if (code < 0x20) return { offset: i, expected: 'an escape such as \\n in a string' };
      if (code === 0x5c) {
        const escape = text[i + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { offset: i + 2, expected: 'four hexadecimal digits after \\u' };
          i += 6;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) i += 2;
        else return { offset: i + 1, expected: 'one of " \\ / b f n r t u after \\' };
      } else i++;
    }
  };
  const number = (): { offset: number; expected: string } | undefined => {
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (!match) return { offset: text[i] === '-' ? i + 1 : i, expected: 'a digit' };
    i += match[0].length;
    if (/^[\d.eE+-]/.test(text[i] ?? '')) return { offset: i, expected: 'a number (RFC 8259: no leading zeros, digits after "." and "e")' };
    return undefined;
  };
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    skipSpace();
    const c = text[i];
    if (state === 'value') {
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        skipSpace();
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          state = 'after';
        } else state = c === '{' ? 'key' : 'value';
      } else if (c === '"') {
        const error = string();
        if (error) return error;
        state = 'after';
      } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
        const error = number();
        if (error) return error;
        state = 'after';
      } else {
        const literal = ['true', 'false', 'null'].find((word) => word[0] === c);
        if (!literal) return { offset: i, expected: 'a value' };
        for (let k = 0; k < literal.length; k++) if (text[i + k] !== literal[k]) return { offset: i + k, expected: `${literal}` };
        i += literal.length;
        state = 'after';
      }
    } else if (state === 'key') {
      if (c !== '"') return { offset: i, expected: 'a property name in double quotes' };
      const error = string();
      if (error) return error;
      skipSpace();
      if (text[i] !== ':') return { offset: i, expected: "':' after the property name" };
      i++;
      state = 'value';
    } else {
      const top = stack.at(-1);
      if (top === undefined) return i < text.length ? { offset: i, expected: 'the end of the JSON text' } : undefined;
      const close = top === '{' ? '}' : ']';
      if (c === ',') {
        i++;
        state = top === '{' ? 'key' : 'value';
      } else if (c === close) {
        stack.pop();
        i++;
      } else return { offset: i, expected: `',' or '${close}'` };
    }
  }
}

/**
 * `not valid JSON: unexpected character '}' at line 3, column 17 (expected a value)`. `lineNumber` is
 * the line of a JSON Lines file the text came from (then only the column is counted). A file that
 * fails at its first character, or on a control character, gets "is this a seed file?".
 */
export function describeJsonSyntaxError(text: string, lineNumber?: number): string {
  const error = findJsonSyntaxError(text) ?? { offset: 0, expected: 'JSON' };
  const before = text.slice(0, error.offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = lineNumber ?? (before.match(/\n/g)?.length ?? 0) + 1;
  const what = found(text, error.offset);
  const atStart = text.slice(0, error.offset).trim() === '';
  const hint = atStart || what.startsWith('control') ? '; is this a seed file?' : '';
  const where = lineNumber === undefined ? `line ${line}, column ${error.offset - lineStart + 1}` : `column ${error.offset - lineStart + 1}`;
  return `not valid JSON: unexpected ${what} at ${where} (expected ${error.expected})${hint}`;
}
