/** The knowledge index built once per test run (test/setup/prebuilt-index.ts), copied into new data directories. */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

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
    prebuilt = undefined; // outside a vitest run (e.g. test/bench, test/eval-conversations/run.mjs)
  }
  const target = join(dataDir, 'index');
  if (!prebuilt || !existsSync(prebuilt) || existsSync(target)) return false;
  cpSync(prebuilt, target, { recursive: true });
  return true;
}
