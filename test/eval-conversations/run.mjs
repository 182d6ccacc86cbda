#!/usr/bin/env node
/**
 * Runs the conversation evaluation (run.ts) without a TypeScript runner: ts-hooks.mjs compiles the
 * test-side TypeScript as Node loads it (esbuild, file by file, in place) and points every import of the
 * product (`src/`) at the built `dist/`. Needs `npm run build` first (the npm script does it).
 *
 *   node test/eval-conversations/run.mjs [--verbose] [--json] [--split dev|test|samples] [--fixtures FILE]
 */
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
register('./ts-hooks.mjs', import.meta.url, { data: { src: join(root, 'src') + '/', dist: join(root, 'dist') + '/' } });

process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0); // e.g. piped into head
  throw err;
});

const { main } = await import(pathToFileURL(join(here, 'run.ts')).href);
process.exitCode = await main(process.argv.slice(2));
