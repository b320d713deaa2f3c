/** Reading a file a user named, which may be a device or pipe that never ends (/dev/zero), up to a limit. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The file's bytes, up to `limit`; undefined when there are more (a device such as /dev/zero never ends). */
export function readAtMost(file: string, limit: number): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > limit) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // A file in one read of its size (then a small one to see its end); a pipe or device in 1 MiB reads.
      const wanted = stat.isFile() ? (total === 0 ? stat.size + 1 : 64 * 1024) : 1024 * 1024;
      const chunk = Buffer.allocUnsafe(Math.min(wanted, limit + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return Buffer.concat(chunks, total);
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > limit) return undefined;
    }
  } finally {
    closeSync(fd);
  }
}
