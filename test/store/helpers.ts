import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type Store } from '../../src/store/index.js';

/**
 * Per-test temporary directory with real SQLite files; every store opened through `open` is closed
 * and the directory removed after each test.
 */
export function useTempDatabases(): { dir: () => string; file: (name?: string) => string; open: (filename?: string) => Promise<Store> } {
  let dir: string | undefined;
  const stores: Store[] = [];

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const getDir = (): string => (dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'pos-assist-store-')));
  const file = (name = 'pos-assist.db'): string => path.join(getDir(), name);
  return {
    dir: getDir,
    file,
    open: async (filename = file()) => {
      const store = await openDatabase({ filename });
      stores.push(store);
      return store;
    },
  };
}

/** A controllable clock. */
export function fakeClock(start = '2025-01-01T00:00:00.000Z'): { now: () => Date; set: (iso: string) => void; advance: (ms: number) => void } {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (iso) => {
      t = new Date(iso).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
