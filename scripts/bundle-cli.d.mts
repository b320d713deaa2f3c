/** Writes `pcapi.mjs` (and its chunks) into `outdir`, a folder under packages/server. */
export function bundleCli(outdir: string): Promise<void>;
/** npm packages and Node built-ins the CLI's entry loads whatever the command, sorted. */
export function cliStartupImports(): Promise<string[]>;
