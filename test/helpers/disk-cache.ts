/**
 * What the tests' disk caches share (slip-photo-cache.ts, ocr-cache.ts): a folder under the user's cache
 * folder, `$XDG_CACHE_HOME/pos-assist-tests` or `~/.cache/pos-assist-tests` (node_modules/.cache/… when
 * neither can be written; the one an environment variable names; `off`: no cache), old entries pruned when
 * a process first uses it, and writes that are atomic (a temporary file renamed), so that processes writing
 * side by side (vitest workers, the run.mjs child) never read half an entry. Outside the clone, like npm's
 * own cache, so a fresh clone on the same machine (CI) starts warm; every key names everything its entry
 * depends on, so a warm entry is what the work would give again.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Entries not used (or made) for this long are removed. */
const MAX_AGE_DAYS = 7;

/** The cache's folder, made and pruned; undefined when `envVar` says `off` or the folder cannot be written. */
export function cacheFolder(envVar: string, name: string): string | undefined {
  const setting = process.env[envVar];
  if (setting === 'off') return undefined;
  const candidates = setting
    ? [setting]
    : [join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pos-assist-tests', name), join(ROOT, 'node_modules', '.cache', 'pos-assist-tests', name)];
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      prune(dir);
      return dir;
    } catch {
      // not writable: the next, or no cache
    }
  }
  return undefined;
}

function prune(dir: string): void {
  const oldest = Date.now() - MAX_AGE_DAYS * 86_400_000;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    try {
      if (statSync(file).mtimeMs < oldest) rmSync(file, { force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

/** Writes `file` whole or not at all; a failure leaves no entry (the next run makes it again). */
export function writeEntry(file: string, bytes: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temp, bytes);
    renameSync(temp, file);
  } catch {
    rmSync(temp, { force: true });
  }
}
