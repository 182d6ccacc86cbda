import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type Store } from '../../src/store/index.js';
import { acquireMigratedSchema, releaseMigratedSchema, type Dialect, type TestSchema } from '../helpers/dialects.js';

export interface TempDatabases {
  dialect: Dialect;
  dir: () => string;
  file: (name?: string) => string;
  /**
   * Opens the database `filename` names: a real SQLite file, or on PostgreSQL an empty, migrated schema
   * per filename (opening the same filename again, in the same test, reaches the same rows, as another
   * process or a restarted one would).
   */
  open: (filename?: string) => Promise<Store>;
  /** `openDatabase`'s options for `filename` (for tests that open and close stores themselves). */
  options: (filename?: string) => Promise<{ filename: string; url?: string }>;
}

/**
 * Per-test temporary databases: real SQLite files in a temporary directory, or PostgreSQL schemas. Every
 * store opened through `open` is closed after each test, the directory removed, and each schema emptied
 * for the next test (or dropped, when the test changed more than rows).
 */
export function useTempDatabases(dialect: Dialect = 'sqlite'): TempDatabases {
  let dir: string | undefined;
  const stores: Store[] = [];
  const schemas = new Map<string, Promise<TestSchema>>();

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    const made = await Promise.all([...schemas.values()]);
    schemas.clear();
    await Promise.all(made.map((m) => releaseMigratedSchema(m)));
  });

  const getDir = (): string => (dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'pos-assist-store-')));
  const file = (name = 'pos-assist.db'): string => path.join(getDir(), name);
  const options = async (filename = file()): Promise<{ filename: string; url?: string }> => {
    if (dialect === 'sqlite') return { filename };
    let made = schemas.get(filename);
    if (!made) schemas.set(filename, (made = acquireMigratedSchema()));
    return { filename, url: (await made).url };
  };
  return {
    dialect,
    dir: getDir,
    file,
    options,
    open: async (filename) => {
      const store = await openDatabase(await options(filename));
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
