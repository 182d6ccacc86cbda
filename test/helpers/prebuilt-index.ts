/** The knowledge index built once per test run (test/setup/prebuilt-index.ts), copied into new data directories. */
import { copyFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';

/** The environment variable a child process (run.mjs) finds the run's prebuilt index in. */
export const PREBUILT_INDEX_ENV = 'POS_ASSIST_PREBUILT_INDEX';

/**
 * Copies the prebuilt index into `dataDir/index` (the default `paths.index`) unless one is there already,
 * or `env` (the test's configuration overrides) names another knowledge base or embedding settings.
 * Returns whether it copied. Start-up still checks the index against the knowledge files and settings.
 */
export function seedIndex(dataDir: string, env: Record<string, string | undefined> = {}): boolean {
  if (Object.keys(env).some((k) => k === 'KNOWLEDGE_DIR' || k.startsWith('EMBEDDING'))) return false;
  let prebuilt: string | undefined;
  try {
    prebuilt = inject('prebuiltIndexDir');
  } catch {
    // Outside a vitest run (test/bench, test/eval-conversations/run.mjs): a test that starts one of these
    // as a child process hands it the run's index in PREBUILT_INDEX_ENV.
    prebuilt = process.env[PREBUILT_INDEX_ENV] || undefined;
  }
  const target = join(dataDir, 'index');
  if (!prebuilt || !existsSync(prebuilt) || existsSync(target)) return false;
  cpSync(prebuilt, target, { recursive: true });
  return true;
}

/**
 * Copies the run's empty, migrated SQLite database (test/setup/prebuilt-index.ts) to where `config` keeps
 * its database, unless the store is PostgreSQL or a database file is there already (a restart over the
 * same data). Returns whether it copied. Opening it still runs the migrations, which find nothing to do.
 */
export function seedDatabase(config: { readonly databaseUrl?: string | undefined; readonly paths: { readonly database: string } }): boolean {
  if (config.databaseUrl !== undefined) return false;
  let prebuilt: string | undefined;
  try {
    prebuilt = inject('prebuiltDatabase');
  } catch {
    prebuilt = undefined; // outside a vitest run: migrate as the product does
  }
  const target = config.paths.database;
  if (!prebuilt || !existsSync(prebuilt) || target === ':memory:' || existsSync(target)) return false;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(prebuilt, target);
  return true;
}
