import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Writes a file through a temporary name in the same directory and renames it at the end, so a
 * failed conversion never leaves a truncated file that a later job would read as complete.
 */
export async function writeFileAtomically(path: string, produce: (write: (chunk: Uint8Array | string) => Promise<void>) => Promise<void>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    // writeFile on a handle writes the whole chunk at the current position (write() may stop short).
    await produce((chunk) => handle.writeFile(chunk));
    await handle.close();
    await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
}
