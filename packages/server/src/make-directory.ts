/**
 * `mkdir -p` that always ends. Node's `mkdirSync(path, { recursive: true })` spins forever, at 100% CPU
 * and with no output, when a directory that exists answers ENOENT for a child it cannot hold (a path
 * under /proc; seen on Node 20; Bun fixed the same loop in its own walk). Here each missing directory
 * is created once, from the top down, and any failure is final, with a message naming the folder.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirectory(path: string): void {
  const fail = (detail: string): never => {
    throw new Error(`cannot create the folder ${path}: ${detail}`);
  };
  const missing: string[] = [];
  for (let current = resolve(path); ; current = dirname(current)) {
    if (isDirectory(current, fail)) break;
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      // Made meanwhile by another process: fine.
      if (code === 'EEXIST' && isDirectory(directory, fail)) continue;
      fail(code === 'EEXIST' ? `${directory} exists and is not a folder (a file, or a link to nothing)` : message);
    }
  }
}

function isDirectory(path: string, fail: (detail: string) => never): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return code === 'ENOENT' ? false : fail(code === 'ENOTDIR' ? `a part of ${path} is a file, not a folder` : message);
  }
}
