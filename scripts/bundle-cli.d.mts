/** Writes `pcapi.mjs` (and its chunks) into `outdir`, a folder under packages/server. */
export function bundleCli(outdir: string): Promise<void>;
