/**
 * The pieces a platform channel's small state file is made of (Telegram, WeChat): the ids of recently
 * handled inbound events, so each is processed once; bounded maps that forget the oldest entry; and an
 * atomic, synchronous write, so an event is on record before its turn runs.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileDurably } from '../core/durable-file.js';

/**
 * Ids handled recently, with when: an event is a duplicate exactly when its id is among them. Bounded by
 * count (`keep`) and age (`maxAgeMs`), oldest first — a single "last id" is not enough, because
 * deliveries may arrive out of order and platforms restart their ids.
 */
export class HandledIds<Id extends string | number> {
  private readonly at = new Map<Id, number>();

  constructor(
    private readonly keep: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  /** Takes the entries of a saved file, keeping only well-formed ones. */
  load(entries: unknown, isId: (id: unknown) => id is Id): void {
    if (!Array.isArray(entries)) return;
    for (const entry of entries) {
      if (Array.isArray(entry) && isId(entry[0]) && Number.isFinite(entry[1])) this.at.set(entry[0], entry[1] as number);
    }
  }

  /** Records `id` as handled; false when it was handled before. Synchronous: two deliveries cannot both claim it. */
  claim(id: Id): boolean {
    const now = this.now();
    for (const [old, at] of this.at) {
      if (now - at <= this.maxAgeMs) break;
      this.at.delete(old);
    }
    if (this.at.has(id)) return false;
    this.at.set(id, now);
    trimOldest(this.at, this.keep);
    return true;
  }

  has(id: Id): boolean {
    return this.at.has(id);
  }

  entries(): [Id, number][] {
    return [...this.at];
  }
}

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
