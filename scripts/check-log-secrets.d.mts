/** The secrets the suite signs in with (seeds, fixtures, test literals of 8 characters or more). */
export function knownSecrets(root?: string): string[];
/** A secret shown without giving it away: its first two characters and its length. */
export function mask(secret: string): string;
/** The secrets in one line, each with what found it. */
export function findSecrets(line: string, known?: string[]): Array<{ kind: string; text: string }>;
/** Every line of every file under the paths; hits as `file:line: kind: the line, secrets masked`. */
export function scanLogs(paths: string[], known?: string[]): { files: number; lines: number; hits: string[] };
