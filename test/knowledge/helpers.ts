import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The real knowledge base shipped with the project. */
export const KNOWLEDGE_DIR = path.join(REPO_ROOT, 'knowledge');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');

/** A fresh `pos-assist-*` directory under the OS temp dir. The caller removes it (see `removeDir`). */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pos-assist-'));
}

export function removeDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Temp directories created during a test, all removed after it. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) removeDir(d);
  });
  return () => {
    const d = makeTempDir();
    dirs.push(d);
    return d;
  };
}

/** Copies the real knowledge base (markdown + glossary) into `<root>/knowledge` and returns that path. */
export function copyKnowledge(root: string): string {
  const dest = path.join(root, 'knowledge');
  fs.cpSync(KNOWLEDGE_DIR, dest, { recursive: true });
  return dest;
}

/** The raw `##` headings of a knowledge file, read with a plain regex (independent of the parser under test). */
export function rawSections(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  let inFence = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^(```|~~~)/.test(line.trim())) inFence = !inFence;
    const m = inFence ? null : /^##\s+(.+?)\s*$/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** The error a promise rejects with (the test fails if it resolves or rejects with a non-Error). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}
