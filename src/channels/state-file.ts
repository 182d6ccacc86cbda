/**
 * The pieces a platform channel's small state file is made of (Telegram, WeChat): bounded maps that
 * forget the oldest entry, and an atomic, synchronous write. (Which inbound events were handled is in the
 * inbound journal, inbound-journal.ts.)
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileDurably } from '../core/durable-file.js';

/** Drops a map's oldest entries (insertion order) until at most `max` remain. */
export function trimOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as K);
}

/** A state file's JSON, or an error when it exists but cannot be read (a missing file is simply empty). */
export function readStateFile<T>(file: string): { data: Partial<T>; error?: Error } {
  try {
    return { data: JSON.parse(readFileSync(file, 'utf8')) as Partial<T> };
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { data: {} } : { data: {}, error: err as Error };
  }
}

/** Temporary file, flushed, then renamed: a reader never sees half a file, and a power cut loses none. */
export function writeStateFile(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileDurably(file, JSON.stringify(data));
}
