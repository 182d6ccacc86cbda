/**
 * A file that is on disk before anything refers to it: written under a temporary name, flushed to the
 * device (fsync), renamed into place, and the folder flushed so the rename itself survives a power cut.
 * Used for stored uploads and the channels' state, which a database row or an acknowledged update points
 * at: a reference to a file that a crash left empty or missing would be a message lost.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileDurably(path: string, data: Buffer | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncFolder(dirname(path));
}

/** Flushes a folder's entries (a rename into it); where folders cannot be opened (Windows), a no-op. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported on this platform: the data itself was flushed.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
