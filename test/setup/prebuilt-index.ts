/**
 * vitest globalSetup: builds the knowledge index of the real knowledge base once, with the default
 * configuration, and hands its directory to the test files (`inject('prebuiltIndexDir')`). Helpers that
 * make a new data directory copy it in (`seedIndex`), so a server or runtime starts by loading the index
 * instead of rebuilding it. The copy is only a head start: at start-up the knowledge base still checks the
 * index against the knowledge files and the embedding settings, and rebuilds a stale one as before.
 *
 * It also makes an empty SQLite database migrated to the latest schema (`prebuiltDatabase`): migrating a
 * new file takes 0.2–0.5 s (dozens of CREATE statements, each committed), a copy ~10 ms, and the test
 * helpers start every new data directory's runtime or server (`seedDatabase`). The database holds no row
 * of its own besides the migrations' bookkeeping; opening it still checks and applies the migrations.
 *
 * Every project of test/vitest.config.ts lists this setup; the projects' setups run in the one vitest
 * process, so the index is built by the first and shared (and removed after the last one's teardown).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/app/config.js';
import { ingest } from '../../src/knowledge/ingest.js';
import { openDatabase } from '../../src/store/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** An index of the real knowledge base, default settings; empty when it could not be built. */
    prebuiltIndexDir: string;
    /** An empty SQLite database at the latest schema; empty when it could not be made. */
    prebuiltDatabase: string;
  }
}

interface Shared {
  dir: string;
  index: Promise<string>;
  database: Promise<string>;
  users: number;
}

/** Kept on globalThis: each project may load this module anew, but they share the process. */
const holder = globalThis as { posAssistPrebuiltIndex?: Shared };

async function build(dir: string): Promise<string> {
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
  try {
    await ingest({ knowledgeDir: config.knowledgeDir, indexDir: config.paths.index, embeddings: config.embeddings });
    return config.paths.index;
  } catch (err) {
    // Not fatal: every test then builds its own index, as it would without this setup (and the
    // knowledge tests say what is wrong).
    process.stderr.write(`prebuilt knowledge index not available: ${(err as Error).message}\n`);
    return '';
  }
}

async function migrated(dir: string): Promise<string> {
  const filename = join(dir, 'db', 'pos-assist.sqlite');
  try {
    const store = await openDatabase({ filename });
    await store.close(); // the last connection checkpoints the WAL: one self-contained file
    return filename;
  } catch (err) {
    process.stderr.write(`prebuilt database not available: ${(err as Error).message}\n`);
    return '';
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (!holder.posAssistPrebuiltIndex) {
    const dir = mkdtempSync(join(tmpdir(), 'pos-assist-prebuilt-'));
    holder.posAssistPrebuiltIndex = { dir, index: build(dir), database: migrated(dir), users: 0 };
  }
  const shared = holder.posAssistPrebuiltIndex;
  shared.users++;
  project.provide('prebuiltIndexDir', await shared.index);
  project.provide('prebuiltDatabase', await shared.database);
  return () => {
    if (--shared.users > 0) return;
    rmSync(shared.dir, { recursive: true, force: true });
    holder.posAssistPrebuiltIndex = undefined;
  };
}
