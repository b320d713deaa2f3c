/**
 * Text that came from a file, a request or the store, made safe to print on a terminal: control
 * characters (an escape sequence can clear the screen, retitle the window or hide what follows), line
 * and paragraph separators and bidirectional overrides are written as \uXXXX, never raw.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

export function escapeUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, escape);
}

/**
 * JSON text with the same characters escaped: still valid JSON, since JSON.stringify leaves them only
 * inside strings (it escapes C0 controls itself, not the rest). Its own line breaks stay.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, escape);
}

/** One line of JSON, escaped for a terminal. */
export function terminalJson(value: unknown): string {
  return escapeJsonForTerminal(JSON.stringify(value));
}
